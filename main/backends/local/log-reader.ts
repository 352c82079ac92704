/**
 * The client's side of a local job log: reads the `.jsonl` file in chunks
 * from a byte offset, carrying a partial last line to the next chunk, so a
 * 100 MB log streams in constant memory. With `follow`, it tails the file
 * until the job is done and everything it wrote has been read.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { DstackError } from '../../common/errors';
import type { LogEvent, LogReadOptions } from '../../core/backend';
import { parseLine } from './log-file';
import { FileWaker } from './waker';

const CHUNK = 256 * 1024;
/** How often a follower looks again when no file event arrives. */
export const POLL_MS = 100;

/** A failed open or read of the log file, naming it; the errno stays as the cause, for deciding whether to retry. */
function unreadable(path: string, err: unknown): DstackError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'EISDIR' ? 'it is a folder, not a file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (err as Error).message;
  return new DstackError('unavailable', `The log file ${path} cannot be read: ${why}.`, {
    fix: `Make ${path} a readable file again (move what is there away, or fix its permissions), then follow the log again.`,
    cause: err,
  });
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(path, err);
  }
}

/** Splits complete lines off a byte buffer; returns the events and the unterminated rest. */
function splitLines(buf: Buffer): { events: LogEvent[]; rest: Buffer } {
  const events: LogEvent[] = [];
  let start = 0;
  for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
    const e = parseLine(buf.toString('utf8', start, nl));
    if (e) events.push(e);
    start = nl + 1;
  }
  return { events, rest: buf.subarray(start) };
}

/**
 * Yields the log's events in batches, in file order. Without `follow` it
 * reads what is there and stops. With `follow` it waits for more after the
 * end of the file, and stops once `isDone()` has said true and a last read
 * found nothing new; without `isDone` it follows until `signal` aborts. An
 * abort ends the iteration quietly: the reader chose to stop.
 */
export async function* readLog(path: string, opts: LogReadOptions = {}): AsyncGenerator<LogEvent[]> {
  const { follow = false, isDone, signal } = opts;
  const waker = follow ? new FileWaker(path) : undefined;
  let fh: FileHandle | undefined;
  let pos = 0;
  let carry: Buffer = Buffer.alloc(0);
  const chunk = Buffer.allocUnsafe(CHUNK);
  try {
    let finishing = false;
    for (;;) {
      if (signal?.aborted) return;
      fh ??= await openIfExists(path);
      if (fh) {
        for (;;) {
          const { bytesRead } = await fh.read(chunk, 0, CHUNK, pos).catch((err: unknown) => {
            throw unreadable(path, err);
          });
          if (bytesRead === 0) break;
          pos += bytesRead;
          const { events, rest } = splitLines(Buffer.concat([carry, chunk.subarray(0, bytesRead)]));
          carry = Buffer.from(rest);
          if (events.length > 0) yield events;
          if (signal?.aborted) return;
        }
      }
      if (!follow || finishing) break;
      if (isDone && (await isDone())) finishing = true;
      else await waker!.wait(POLL_MS, signal);
    }
    // A finished log may end without a newline only if its writer crashed mid-line; keep what parses.
    const last = parseLine(carry.toString('utf8'));
    if (last) yield [last];
  } finally {
    waker?.close();
    await fh?.close();
  }
}
