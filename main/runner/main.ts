/**
 * The runner as a program: `runner --config <BackendConfig JSON> --repo R
 * --job J [--executor process|docker]`. The local backend starts it as a
 * detached process; on EC2 the instance's UserData starts the same program,
 * bundled. Both run `entry.ts`, which calls {@link runnerMain}; this module
 * never starts anything itself, so importing it is safe. The runner builds
 * its backend from the config, runs the job, and exits 0 once the job's
 * terminal status is stored (1 when even that was impossible).
 * SIGUSR1 re-reads the stop request at once; SIGUSR2 aborts the job at once
 * (the local backend sends it with or instead of a stored abort request,
 * which a full disk cannot hold); SIGTERM/SIGINT stop the job
 * gracefully, so a machine shutting down still stores artifacts.
 */
import { BACKEND_NAMES, isBackendName } from '../common/backends';
import { InvalidArgumentError } from '../common/errors';
import type { BackendConfig } from '../common/config';
import { createBackend } from '../backends/index';
import type { ExecutorKind } from './executor';
import { startRunner } from './run-job';
import { defaultWorkRoot } from './workspace';

export interface RunnerArgs {
  config: BackendConfig;
  repo: string;
  jobId: string;
  executor?: ExecutorKind;
}

/** Parses the runner's command line; every mistake is one InvalidArgumentError naming the flag. */
export function parseRunnerArgs(argv: string[]): RunnerArgs {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] ?? '';
    const value = argv[i + 1];
    if (!['--config', '--repo', '--job', '--executor'].includes(flag)) throw new InvalidArgumentError(`Unknown runner option ${flag}.`);
    if (value === undefined) throw new InvalidArgumentError(`Runner option ${flag} needs a value.`);
    flags.set(flag, value);
  }
  const raw = flags.get('--config');
  const repo = flags.get('--repo');
  const jobId = flags.get('--job');
  if (!raw || !repo || !jobId) throw new InvalidArgumentError('The runner needs --config, --repo and --job.');
  let config: BackendConfig;
  try {
    config = JSON.parse(raw) as BackendConfig;
  } catch {
    throw new InvalidArgumentError('Runner option --config is not valid JSON.');
  }
  if (!isBackendName(config?.type)) throw new InvalidArgumentError(`Runner option --config needs a type: ${BACKEND_NAMES.join(', ')}.`);
  const executor = flags.get('--executor');
  if (executor !== undefined && executor !== 'process' && executor !== 'docker') {
    throw new InvalidArgumentError(`Runner option --executor is "${executor}"; allowed: process, docker.`);
  }
  return { config, repo, jobId, ...(executor ? { executor } : {}) };
}

/** Runs the runner in this process until the job ends; resolves with the process exit code. */
export async function runnerMain(argv: string[]): Promise<number> {
  const args = parseRunnerArgs(argv);
  // One line per start in the runner's own log (bootstrap.log on EC2): a job is run once.
  console.log(`dstack runner: running job ${args.jobId} of ${args.repo}`);
  const backend = await createBackend(args.config);
  try {
    const handle = startRunner(backend, args.repo, args.jobId, { workRoot: defaultWorkRoot(args.config), ...(args.executor ? { executor: args.executor } : {}) });
    const nudge = (): void => handle.nudge();
    const stop = (): void => handle.requestStop(false, 'The runner was asked to stop.');
    const abort = (): void => handle.requestStop(true, 'Aborted by request.');
    process.on('SIGUSR1', nudge);
    process.on('SIGUSR2', abort);
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    try {
      await handle.done;
    } finally {
      process.off('SIGUSR1', nudge);
      process.off('SIGUSR2', abort);
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
    }
    return 0;
  } finally {
    await backend.close();
  }
}
