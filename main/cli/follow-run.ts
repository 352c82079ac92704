/**
 * What `dstack run` does once a run is submitted, on a local backend and
 * through a team hub alike: follow its log until it ends (Ctrl+C asks it to
 * stop, a second one aborts it), then say how it ended and exit with the
 * run's exit status. Only how to stop, follow and read the run differs.
 */
import type { Job } from '../common/job';
import { isTerminal } from '../common/status';
import { errorText } from './output';

/** The process exit code for a finished job: 0 only for `done`. */
export function exitCodeOf(job: Pick<Job, 'status' | 'exitCode'>): number {
  if (job.status === 'done') return 0;
  return job.exitCode ? job.exitCode : 1;
}

type RunEnd = Pick<Job, 'runName' | 'status' | 'statusReason' | 'exitCode'>;

export interface FollowedRun {
  runName: string;
  /** Asks the run to stop; `abort` skips the artifacts. */
  stop(abort: boolean): Promise<unknown>;
  /** Prints the log until the run ends (or its runner is gone). */
  follow(): Promise<void>;
  /** The run as it is once the log has ended. */
  end(): Promise<RunEnd>;
}

export async function followRunToEnd(run: FollowedRun): Promise<void> {
  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts++;
    const abort = interrupts > 1;
    process.stderr.write(abort ? `Aborting ${run.runName}…\n` : `Stopping ${run.runName}… press Ctrl+C again to abort.\n`);
    run.stop(abort).catch((err: unknown) => process.stderr.write(`${errorText(err)}\n`));
  };
  process.on('SIGINT', onInterrupt);
  try {
    await run.follow();
  } finally {
    process.off('SIGINT', onInterrupt);
  }
  const end = await run.end();
  if (!isTerminal(end.status)) {
    process.stderr.write(`Run ${end.runName} is ${end.status} but its runner is gone. See \`dstack ps\`.\n`);
    process.exitCode = 1;
    return;
  }
  const reason = end.status === 'done' ? undefined : end.statusReason?.replace(/\.$/, '');
  process.stderr.write(`Run ${end.runName} ${end.status}${reason ? `: ${reason}` : ''}.\n`);
  process.exitCode = exitCodeOf(end);
}
