/**
 * What a running job leaves on this machine, named so that both its runner
 * and whoever cleans up after a runner that died (the local backend's
 * reconcile) find the same things: the job's work folder and staging folder
 * in the work root, and a record of the job's process group. The runner
 * runs the job's commands in a process group of their own; when the runner
 * is killed, that group lives on (reparented to PID 1) until someone who
 * knows its id ends it, so the runner writes the id down here.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PRIVATE_FILE_MODE } from './private-dir';

/** The private folder a local backend's jobs run in: `{home}/local/work`. */
export function localWorkRoot(home: string): string {
  return join(home, 'local', 'work');
}

/** A job id holds commas; the work folder's name is kept plain on every file system. */
export function workdirName(jobId: string): string {
  return jobId.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function workdirPath(root: string, jobId: string): string {
  return join(root, workdirName(jobId));
}

/** Where the code snapshot is downloaded and unpacked from: a folder the runner creates fresh, beside the work folder. */
export function stagingPath(root: string, jobId: string): string {
  return `${workdirPath(root, jobId)}.code`;
}

function groupPath(root: string, jobId: string): string {
  return `${workdirPath(root, jobId)}.group`;
}

/** Names that belong to one job in the work root, for a cleaner that sees only a listing. */
export const FOOTPRINT_SUFFIXES = ['.code', '.group'] as const;

/**
 * The job's process group. `startTime` is the group leader's start time
 * (from {@link processStartTime}), so a later reader can tell the job's
 * leader from an unrelated process that got the same pid after the job's
 * leader exited.
 */
export interface JobGroup {
  pgid: number;
  startTime?: string;
}

/**
 * When a process started, as an opaque string: on Linux the start tick in
 * `/proc/{pid}/stat`, elsewhere what `ps -o lstart=` prints. Undefined when
 * there is no such process. Two processes that held the same pid differ here.
 */
export async function processStartTime(pid: number): Promise<string | undefined> {
  if (process.platform === 'linux') {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Fields after the parenthesised command name (which may hold spaces); starttime is field 22, the 20th of these.
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
      return undefined;
    }
  }
  if (process.platform === 'win32') return undefined;
  try {
    const { stdout } = await promisify(execFile)('ps', ['-o', 'lstart=', '-p', String(pid)]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function writeJobGroup(root: string, jobId: string, group: JobGroup): Promise<void> {
  // 'wx' never follows a link left where the record goes: the runner removes leftovers first.
  await rm(groupPath(root, jobId), { force: true });
  await writeFile(groupPath(root, jobId), JSON.stringify(group), { flag: 'wx', mode: PRIVATE_FILE_MODE });
}

export async function readJobGroup(root: string, jobId: string): Promise<JobGroup | undefined> {
  try {
    const g = JSON.parse(await readFile(groupPath(root, jobId), 'utf8')) as Partial<JobGroup>;
    if (!Number.isSafeInteger(g.pgid) || (g.pgid as number) <= 1) return undefined;
    return { pgid: g.pgid as number, ...(typeof g.startTime === 'string' ? { startTime: g.startTime } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Ends a job's process group with SIGKILL, unless its pid now names someone
 * else. The kernel never gives a pid to a new process while a group of that
 * id still has members, so: a live leader with the recorded start time is
 * the job's; a live leader with another start time means the group is gone
 * and the pid reused (left alone); no leader means only the job's own
 * processes can still hold the group id.
 */
export async function endJobGroup(group: JobGroup): Promise<void> {
  const leader = await processStartTime(group.pgid);
  if (leader !== undefined && group.startTime !== undefined && leader !== group.startTime) return;
  try {
    process.kill(-group.pgid, 'SIGKILL');
  } catch {
    // ESRCH: the group has already ended.
  }
}

/** Removes everything of a job's in the work root; links are removed, never followed. */
export async function removeFootprint(root: string, jobId: string): Promise<void> {
  await rm(workdirPath(root, jobId), { recursive: true, force: true });
  await rm(stagingPath(root, jobId), { recursive: true, force: true });
  await rm(groupPath(root, jobId), { force: true });
}
