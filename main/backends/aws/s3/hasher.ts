/**
 * Hashes a file while it is being downloaded in parts. Parts arrive out of
 * order but MD5 is sequential, so the hasher follows the contiguous prefix
 * of finished parts and reads them back from the file (still in the page
 * cache) while later parts are downloading: verification overlaps the
 * transfer instead of adding a pass at the end.
 *
 * MD5 costs about as much CPU as receiving the bytes, so it runs in a worker
 * thread; on the main thread it would stall the sockets. The worker is
 * plain JavaScript evaluated from a string so that it runs the same from
 * sources (tsx, vitest) and from the bundle.
 */
import { Worker } from 'node:worker_threads';
import type { Expectation } from './verify';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { fd, size, partSize, step } = workerData;
const buf = Buffer.allocUnsafe(1024 * 1024);
const done = new Set();
const whole = createHash('md5');
const digests = [];
let current = null, fill = 0, next = 0, error = null;
function update(chunk) {
  if (!step) return whole.update(chunk);
  for (let off = 0; off < chunk.length; ) {
    current = current || createHash('md5');
    const take = Math.min(step - fill, chunk.length - off);
    current.update(chunk.subarray(off, off + take));
    fill += take; off += take;
    if (fill === step) { digests.push(current.digest()); current = null; fill = 0; }
  }
}
function advance() {
  while (!error && done.has(next)) {
    const end = Math.min((next + 1) * partSize, size);
    for (let pos = next * partSize; pos < end; ) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
      if (n === 0) throw new Error('The file is shorter than the object.');
      update(buf.subarray(0, n));
      pos += n;
    }
    next++;
  }
}
parentPort.on('message', (m) => {
  try {
    if (m.done !== undefined) { done.add(m.done); advance(); return; }
    if (error) throw error;
    advance();
    if (next * partSize < size) throw new Error('Not every part was hashed.');
    let etag;
    if (!step) etag = whole.digest('hex');
    else {
      if (current) digests.push(current.digest());
      etag = createHash('md5').update(Buffer.concat(digests)).digest('hex') + '-' + digests.length;
    }
    parentPort.postMessage({ etag });
  } catch (e) {
    error = e;
    if (m.finish) parentPort.postMessage({ error: String(e && e.message || e) });
  }
});
`;

/** Sequential MD5 (or multipart ETag) of a file filled in `partSize` pieces, in any order. */
export class FrontierHasher {
  private readonly worker: Worker;
  private readonly result: Promise<string>;

  /** Reads through `fd`, which the caller keeps open until after `close()`. */
  constructor(fd: number, size: number, partSize: number, exp: Exclude<Expectation, { kind: 'size' }>) {
    const step = exp.kind === 'multipart' ? exp.uploadPartSize : 0;
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { fd, size, partSize, step } });
    this.result = new Promise<string>((resolve, reject) => {
      this.worker.once('message', (m: { etag?: string; error?: string }) => (m.etag ? resolve(m.etag) : reject(new Error(m.error))));
      this.worker.once('error', reject);
      this.worker.once('exit', () => reject(new Error('The hashing thread stopped.')));
    });
    // A download that fails never asks for the result; that is not an error.
    this.result.catch(() => undefined);
  }

  /** Marks part `i` as written; the worker hashes up to the first gap. */
  partDone(i: number): void {
    this.worker.postMessage({ done: i });
  }

  /** The ETag the file's content would have; call once every part is done. */
  finish(): Promise<string> {
    this.worker.postMessage({ finish: true });
    return this.result;
  }

  /** Stops the worker; safe to call at any point. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
