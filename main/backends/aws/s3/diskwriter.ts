/**
 * Writes a download's parts into its staged file from a worker thread, in
 * 32 KiB system calls. The page cache backs each write with a folio sized
 * to it: a 1 MiB write gets high-order folios, which on the 2-core VM the
 * benchmarks run on cost about 2 s of kernel CPU per GiB to fill, against
 * 0.3 s for 32 KiB writes (the size rclone writes in). From the main
 * thread, 32,768 writes per GiB would each be a thread-pool round trip;
 * here they are plain synchronous calls, and the main thread only hands
 * over 1 MiB slots of shared memory by number and gets them back. Shared
 * slots, each sent to the worker once, replace transferred ArrayBuffers:
 * every transfer registered a new 1 MiB external allocation in both
 * threads, and at download speed that external-memory pressure forced a
 * full garbage collection every few dozen MiB, costing about a quarter of
 * the main thread's CPU. Bytes are gathered in plain buffers first and
 * copied into a slot whole: V8 copies into shared memory at unaligned
 * offsets (socket reads come in any length) about 7 times slower than
 * into plain memory, while one aligned copy of a whole MiB costs little.
 *
 * The worker also fingerprints each part (MD5 or CRC-32, see
 * core/staged-file.ts) as its bytes go by: the journal records it so a
 * resume can tell an intact part from a damaged one, and part MD5s make up
 * a multipart ETag, with no second pass over the file.
 *
 * The worker is plain JavaScript evaluated from a string so that it runs
 * the same from sources (tsx, vitest) and from the bundle.
 */
import { Worker } from 'node:worker_threads';
import type { PartHash } from '../../../core/staged-file';

/** Bytes per write system call; see above. */
const PIECE = 32 * 1024;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { crc32 } = require('node:zlib');
const { fd, piece, partHash } = workerData;
const hashes = new Map();
const slots = [];
function hasher() {
  if (partHash === 'md5') { const h = createHash('md5'); return { update: (b) => h.update(b), digest: () => h.digest('hex') }; }
  let crc = 0;
  return { update: (b) => { crc = crc32(b, crc); }, digest: () => crc.toString(16).padStart(8, '0') };
}
parentPort.on('message', (m) => {
  if (m.close) return parentPort.close();
  if (m.reset !== undefined) return void hashes.delete(m.reset);
  if (m.digest !== undefined) {
    const h = hashes.get(m.digest) || hasher();
    hashes.delete(m.digest);
    return parentPort.postMessage({ id: m.id, digest: h.digest() });
  }
  if (m.sab) return void (slots[m.slot] = Buffer.from(m.sab));
  const buf = slots[m.slot].subarray(0, m.len);
  try {
    if (m.part !== undefined) {
      if (!hashes.has(m.part)) hashes.set(m.part, hasher());
      hashes.get(m.part).update(buf);
    }
    for (let off = 0; off < m.len; ) off += writeSync(fd, buf, off, Math.min(piece, m.len - off), m.pos + off);
    parentPort.postMessage({ id: m.id, slot: m.slot });
  } catch (e) {
    parentPort.postMessage({ id: m.id, slot: m.slot, error: String(e && e.message || e), code: e && e.code });
  }
});
`;

interface Reply {
  id: number;
  slot?: number;
  digest?: string;
  error?: string;
  code?: string;
}

/**
 * Positioned writes into an open file, off the main thread, from a pool of
 * buffers it lends. The caller keeps the file descriptor and closes it
 * after `close()`.
 */
export class DiskWriter {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (digest?: string) => void; reject: (err: Error) => void }>();
  /** Every slot, by number; the worker has each one's memory too. */
  private readonly slots: Buffer[] = [];
  /** Slots back from the worker, for the next writes. */
  private readonly spare: number[] = [];
  /** Plain buffers for gathering bytes, back from `write` at once (their bytes copied into a slot). */
  private readonly gather: Buffer[] = [];
  private nextId = 0;
  private failure?: Error;
  private readonly exited: Promise<void>;

  /**
   * @param size bytes per buffer handed out by `take()`
   * @param partHash how `digest` fingerprints a part
   */
  constructor(
    fd: number,
    private readonly size: number,
    partHash: PartHash = 'crc32',
  ) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fd, piece: PIECE, partHash } });
    this.worker.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.slot !== undefined) this.spare.push(m.slot);
      if (m.error) w?.reject(Object.assign(new Error(m.error), { code: m.code }));
      else w?.resolve(m.digest);
    });
    const stop = (err: Error) => {
      this.failure ??= err;
      for (const w of this.waiting.values()) w.reject(this.failure);
      this.waiting.clear();
    };
    this.worker.on('error', stop);
    this.exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('exit', () => stop(new Error('The writing thread stopped.')));
  }

  /** A buffer of `size` bytes to gather bytes in for `write`. */
  take(): Buffer {
    return this.gather.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /**
   * Writes the first `len` bytes of `buf` (from `take()`) at `pos`. The
   * bytes are copied into a shared slot at once, and `buf` goes back to
   * the buffers `take()` hands out: the caller must not touch it again.
   */
  write(buf: Buffer, len: number, pos: number, part?: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.freeSlot();
    buf.copy(this.slots[slot]!, 0, 0, len);
    this.gather.push(buf);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve: () => resolve(), reject });
      this.worker.postMessage({ id, slot, len, pos, part });
    });
  }

  /** A slot back from an earlier write, or a new one, whose memory the worker is sent once. */
  private freeSlot(): number {
    const spare = this.spare.pop();
    if (spare !== undefined) return spare;
    const sab = new SharedArrayBuffer(this.size);
    const slot = this.slots.length;
    this.slots.push(Buffer.from(sab));
    this.worker.postMessage({ slot, sab });
    return slot;
  }

  /** Forgets what was hashed of `part`: a retried part hashes from its first byte again. */
  resetPart(part: number): void {
    this.worker.postMessage({ reset: part });
  }

  /** The fingerprint (hex) of the bytes written for `part` so far, after every write queued before this call. */
  digest(part: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(id, { resolve: (digest) => resolve(digest ?? ''), reject });
      this.worker.postMessage({ id, digest: part });
    });
  }

  /** Finishes the queued writes and ends the worker. */
  async close(): Promise<void> {
    this.worker.postMessage({ close: true });
    await this.exited;
  }
}
