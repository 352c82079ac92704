// A killed runner's parent reaps it at any moment, also between the open
// and the read of its /proc file. The kernel then answers the read with
// ESRCH; taken as "cannot tell", the dead runner counted as alive and
// reconcile left its run `running` (seen in CI under load).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { isRunnerAlive } from '../../../main/backends/local/process-alive';

/** The error a read gets from the /proc file of a process reaped after the file was opened: made for real here. */
async function reapedReadError(): Promise<NodeJS.ErrnoException> {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const file = await open(`/proc/${child.pid}/stat`, 'r');
  try {
    child.kill('SIGKILL');
    await once(child, 'exit');
    await file.read(Buffer.alloc(512), 0, 512, 0);
  } catch (err) {
    return err as NodeJS.ErrnoException;
  } finally {
    await file.close();
  }
  throw new Error('reading the /proc file of a reaped process succeeded');
}

it.runIf(process.platform === 'linux')('counts a runner reaped between the open and the read of its /proc file as gone', async () => {
  const err = await reapedReadError();
  expect(err.code).toBe('ESRCH');
  // Our own pid passes kill(pid, 0), so the answer comes from the /proc read alone.
  const alive = await isRunnerAlive(process.pid, 'job-1', () => Promise.reject(err));
  expect(alive).toBe(false);
});

it.runIf(process.platform === 'linux')('tells a live runner from one that has exited', async () => {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300_000)', 'job-2'], { stdio: 'ignore' });
  await once(child, 'spawn');
  expect(await isRunnerAlive(child.pid!, 'job-2')).toBe(true);
  expect(await isRunnerAlive(child.pid!, 'job-3')).toBe(false);
  child.kill('SIGKILL');
  await once(child, 'exit');
  expect(await isRunnerAlive(child.pid!, 'job-2')).toBe(false);
});
