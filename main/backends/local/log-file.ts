/**
 * Where a job's log lives and how one line looks. One JSON object per line,
 * so appending is one write, a reader can resume at any byte offset, and a
 * torn last line (a crash mid-write) damages only itself.
 */
import { join } from 'node:path';
import type { LogEvent } from '../../core/backend';
import { InvalidArgumentError } from '../../common/errors';
import { keySegments } from './key-path';

/** Sequence numbers are padded so that ids also sort as strings. */
export const ID_WIDTH = 12;

export function formatId(seq: number): string {
  return String(seq).padStart(ID_WIDTH, '0');
}

/** `{logsRoot}/{repo}/{jobId}.jsonl`; repo and job id are checked so they cannot leave the folder. */
export function logPath(logsRoot: string, repo: string, jobId: string): string {
  if (jobId.length === 0 || /[/\\\0]/.test(jobId) || jobId === '.' || jobId === '..') {
    throw new InvalidArgumentError(`The job id "${jobId}" cannot name a log file.`);
  }
  return join(logsRoot, ...keySegments(repo), `${jobId}.jsonl`);
}

const STREAMS = new Set(['stdout', 'stderr', 'system']);

/** Parses one line; undefined for a torn or foreign line, which readers skip. */
export function parseLine(line: string): LogEvent | undefined {
  if (line.trim() === '') return undefined;
  try {
    const v = JSON.parse(line) as Partial<LogEvent>;
    if (typeof v.id !== 'string' || typeof v.time !== 'number' || typeof v.text !== 'string' || !STREAMS.has(v.stream ?? '')) {
      return undefined;
    }
    return { id: v.id, time: v.time, stream: v.stream as LogEvent['stream'], text: v.text };
  } catch {
    return undefined;
  }
}
