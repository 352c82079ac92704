/**
 * Writes a run's whole log to a file one batch at a time: each batch is
 * formatted, written and awaited before the next is read, so a log of any
 * length costs one batch of memory, and progress (bytes written) is reported
 * as it goes. The bytes go to a private temp file beside the target that is
 * renamed into place at the end, so a cancelled or failed save never leaves
 * a half log under the chosen name.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CancelledError } from '../common/errors';
import type { LogEvent } from '../common/log-event';
import type { TaskContext } from './tasks';

/** One log line as the saved file shows it: ISO time, the stream unless stdout, the text. */
export function logLine(l: LogEvent): string {
  return `${new Date(l.time).toISOString()} ${l.stream === 'stdout' ? '' : `[${l.stream}] `}${l.text}\n`;
}

export async function writeLogFile(batches: AsyncIterable<LogEvent[]>, target: string, task: Pick<TaskContext, 'signal' | 'progress'>): Promise<number> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.partial`);
  const file = await open(temp, 'wx', 0o600);
  let bytes = 0;
  try {
    for await (const batch of batches) {
      if (task.signal.aborted) throw new CancelledError('Saving the log was cancelled.');
      if (!batch.length) continue;
      const chunk = Buffer.from(batch.map(logLine).join(''));
      await file.write(chunk);
      bytes += chunk.length;
      task.progress(bytes, 0);
    }
    await file.close();
    await rename(temp, target);
    return bytes;
  } catch (err) {
    await file.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
}
