/**
 * A full disk, said plainly. Node reports it as a raw `ENOSPC` (or `EDQUOT`
 * for a quota) from whichever write hit it; dstack turns it into one
 * DstackError that names the folder and the fix, so a run that filled the
 * disk fails with "disk full" instead of a stack trace, and the commands
 * that clean up (`ps`, `stop`, `rm`) can tell it from other failures.
 */
import { statfs } from 'node:fs/promises';
import { DstackError } from '../common/errors';

const CODES = ['ENOSPC', 'EDQUOT'];

/** Below this many free bytes a folder's disk counts as full: a job's failed write there was most likely the cause. */
export const FULL_BELOW_BYTES = 1 << 20;

/** Whether `err`, or any error it was caused by, is a full disk or quota. */
export function isDiskFull(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (CODES.includes((e as NodeJS.ErrnoException).code ?? '')) return true;
    if (e instanceof DstackError && (e.details as { reason?: string } | undefined)?.reason === 'disk_full') return true;
  }
  return false;
}

/** The folder a raw file-system error names, if any. */
function pathOf(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const p = (e as NodeJS.ErrnoException).path;
    if (typeof p === 'string') return p;
  }
  return undefined;
}

/** "Disk full" for people: which folder, and what to do about it. */
export function diskFullError(path: string, cause?: unknown): DstackError {
  const where = pathOf(cause) ?? path;
  return new DstackError('unavailable', `Disk full: no space left for ${where}.`, {
    fix: 'Free space on that disk (`dstack rm` old runs, or delete other files), or set DSTACK_HOME to a folder on a larger disk, then try again.',
    details: { reason: 'disk_full', path: where },
    cause,
  });
}

/** `err` as a disk-full DstackError naming `path` when it is one, else unchanged. */
export function mapDiskFull(err: unknown, path: string): unknown {
  if (!isDiskFull(err) || (err instanceof DstackError && (err.details as { reason?: string } | undefined)?.reason === 'disk_full')) return err;
  return diskFullError(path, err);
}

/** Bytes free to this user on the disk holding `path`; undefined where that cannot be told. */
export async function freeBytes(path: string): Promise<number | undefined> {
  try {
    const s = await statfs(path);
    return s.bavail * s.bsize;
  } catch {
    return undefined;
  }
}
