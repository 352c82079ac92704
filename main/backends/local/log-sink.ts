/**
 * The runner's side of a local job log: appends JSON lines to the job's
 * `.jsonl` file. The sink numbers events itself (ids are zero-padded
 * sequence numbers, continuing after the last line already in the file), so
 * ids grow with file order even if a runner restarts and reopens the log.
 * Each batch is one append, so 100 MB of output costs the runner one write
 * per batch and no memory beyond the batch.
 */
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LogEvent, LogSink } from '../../core/backend';
import { DstackError } from '../../common/errors';
import { formatId, parseLine } from './log-file';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../node/private-dir';

const TAIL = 64 * 1024;

/** The sequence number after the file's last whole line, and whether the file ends mid-line. */
async function tailState(fh: FileHandle): Promise<{ next: number; torn: boolean }> {
  const size = (await fh.stat()).size;
  if (size === 0) return { next: 1, torn: false };
  const len = Math.min(size, TAIL);
  const buf = Buffer.alloc(len);
  await fh.read(buf, 0, len, size - len);
  const text = buf.toString('utf8');
  const torn = !text.endsWith('\n');
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const e = parseLine(lines[i]!);
    const seq = e ? Number(e.id) : NaN;
    if (Number.isSafeInteger(seq)) return { next: seq + 1, torn };
  }
  return { next: 1, torn };
}

export class LocalLogSink implements LogSink {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly fh: FileHandle,
    private seq: number,
    private torn: boolean,
  ) {}

  /** Opens (or reopens) the log at `path` for appending. */
  static async open(path: string): Promise<LocalLogSink> {
    await mkdir(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
    const fh = await open(path, 'a+', PRIVATE_FILE_MODE);
    try {
      const { next, torn } = await tailState(fh);
      return new LocalLogSink(fh, next, torn);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Appends events in the order given; their `id`s are replaced by the log's own sequence. */
  write(events: LogEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new DstackError('internal', 'The job log was written after it was closed.'));
    if (events.length === 0) return this.chain;
    // Numbered now, in call order, so concurrent callers cannot interleave ids.
    let text = this.torn ? '\n' : '';
    this.torn = false;
    for (const e of events) {
      text += `${JSON.stringify({ id: formatId(this.seq++), time: e.time, stream: e.stream, text: e.text })}\n`;
    }
    const next = this.chain.then(async () => {
      await this.fh.write(text);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.fh.close();
  }
}
