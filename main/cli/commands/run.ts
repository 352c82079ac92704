/**
 * `dstack run WORKFLOW [args...]`: submits, then follows the log until the
 * job ends and exits with the job's exit code. Ctrl+C asks the job to stop
 * (artifacts are kept); a second Ctrl+C aborts it. With `-d` it prints the
 * run name and returns at once. `--cpu`, `--memory`, `--gpu` and
 * `--spot`/`--on-demand` override the workflow's resources for this run.
 * These options may follow the workflow name, as in dstack 0.7; other words
 * after it, and everything after `--`, are the workflow's arguments.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { BACKEND_NAMES } from '../../common/backends';
import type { Job } from '../../common/job';
import type { BackendName, ResourceOverrides } from '../../common/job';
import type { CliContext } from '../context';
import { followRunToEnd } from '../follow-run';
import { printEvents } from '../output';
import { RunArgsCommand } from '../run-args';

function wholeNumber(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('Give a whole number.');
  return n;
}

interface RunOptions {
  detach?: boolean;
  tag?: string;
  backend?: BackendName;
  cpu?: number;
  memory?: string;
  gpu?: number;
  spot?: boolean;
}

/** The flags a user set, as overrides; none set means the workflow's resources as written. */
function overridesOf(opts: RunOptions): ResourceOverrides | undefined {
  const o: ResourceOverrides = {};
  if (opts.cpu !== undefined) o.cpu = opts.cpu;
  if (opts.memory !== undefined) o.memory = opts.memory;
  if (opts.gpu !== undefined) o.gpu = opts.gpu;
  if (opts.spot !== undefined) o.spot = opts.spot;
  return Object.keys(o).length ? o : undefined;
}

export function runCommand(ctx: CliContext): Command {
  return new RunArgsCommand('run')
    .description('Run a workflow of the project and stream its output.')
    .argument('<workflow>', 'the workflow name')
    .argument('[args...]', 'arguments, available as ${{ run.args }}')
    .option('-d, --detach', 'submit and return; follow later with `dstack logs -f`')
    .option('-t, --tag <tag>', 'tag the run\'s artifacts once it is done')
    .addOption(new Option('--backend <backend>', 'run on this backend instead of the configured one').choices(BACKEND_NAMES))
    .option('--cpu <n>', 'CPUs for this run instead of the workflow\'s', wholeNumber)
    .option('--memory <size>', 'memory for this run, e.g. 16GB')
    .option('--gpu <n>', 'GPUs for this run; 0 for none', wholeNumber)
    .option('--spot', 'use a spot instance for this run')
    .addOption(new Option('--on-demand', 'use an on-demand instance for this run').conflicts('spot'))
    .action(async (workflow: string, args: string[], raw: RunOptions & { onDemand?: boolean }) => {
      const { onDemand, ...opts } = raw;
      if (onDemand) opts.spot = false;
      // Through a team hub unless --backend names one of this machine's backends for this run.
      const hub = opts.backend ? undefined : await ctx.hub();
      if (hub) {
        const o = overridesOf(opts);
        return (await import('../hub/run')).hubRun(hub, workflow, args, { detach: opts.detach, tag: opts.tag, ...(o ? { overrides: o } : {}) });
      }
      // A project whose workflow files need the parser's thread starts it now, alongside the backend, instead of midway
      // through the submit. A failure here only loses the head start: the submit's own parse reports any problem.
      void Promise.all([import('../../core/project'), import('../../core/workflow/loader')])
        .then(async ([{ findProjectRoot }, { startParserFor }]) => startParserFor(await findProjectRoot(process.cwd())))
        .catch(() => undefined);
      const service = await ctx.service(opts.backend);
      const overrides = overridesOf(opts);
      let job: Job;
      try {
        job = await service.submit(process.cwd(), workflow, { args, tag: opts.tag, backend: opts.backend, ...(overrides ? { overrides } : {}) });
      } finally {
        // Leftovers of crashed runs are ended while the new runner starts, not on the submit's time; `ctx.close()` waits for it, within its time limit.
        void ctx.reconcile(opts.backend);
      }
      if (opts.detach) {
        console.log(job.runName);
        return;
      }
      process.stderr.write(`Run ${job.runName} (${job.workflowName}) submitted. Ctrl+C stops it; press twice to abort.\n`);
      await followRunToEnd({
        runName: job.runName,
        stop: (abort) => service.stop(job.repo, job.runName, { abort }),
        follow: async () => {
          for await (const batch of await service.logs(job.repo, job.runName, { follow: true })) printEvents(batch);
        },
        end: () => service.get(job.repo, job.runName),
      });
    });
}
