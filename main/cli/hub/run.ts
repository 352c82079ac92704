/**
 * `dstack run WORKFLOW` through a team hub: the hub submits the workflow of
 * that name from its project's own workflow files (not this folder's: the
 * upload of a working copy is not there yet), then the log is followed
 * until the run ends, and the exit status is the run's, as on a local
 * backend. Ctrl+C asks the hub to stop the run; a second one aborts it.
 */
import type { ResourceOverrides, RunSummary } from '../../common/job';
import { DstackError, NotFoundError } from '../../common/errors';
import { followRunToEnd } from '../follow-run';
import { printEvents } from '../output';
import type { HubClient } from './client';
import { followHubLog, RECONNECT_FOR_MS } from './follow';

/** A run of the hub project by name, from its full listing. */
export async function hubRunByName(hub: HubClient, runName: string): Promise<RunSummary> {
  const run = (await hub.call('runs.list', { projectId: hub.projectId, all: true })).find((r) => r.runName === runName);
  if (!run) throw new NotFoundError(`Run ${runName} not found in the hub project ${hub.conn.project}.`, 'See the runs with: dstack ps -a');
  return run;
}

/** The run's end as the hub has it, waiting out a hub that is restarting, as the log's follow does. */
async function finalState(hub: HubClient, runName: string): Promise<RunSummary> {
  const deadline = Date.now() + RECONNECT_FOR_MS;
  for (;;) {
    try {
      return await hubRunByName(hub, runName);
    } catch (err) {
      if (!(err instanceof DstackError) || err.code !== 'unavailable' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export interface HubRunOptions {
  detach?: boolean;
  tag?: string;
  overrides?: ResourceOverrides;
}

export async function hubRun(hub: HubClient, workflow: string, args: string[], opts: HubRunOptions): Promise<void> {
  const { runName } = await hub.call('runs.submit', {
    projectId: hub.projectId,
    workflow,
    args,
    ...(opts.tag ? { tag: opts.tag } : {}),
    ...(opts.overrides ? { overrides: opts.overrides } : {}),
  });
  const where = `the hub project ${hub.conn.project}, from the hub's own workflow files (not this folder's)`;
  if (opts.detach) {
    process.stderr.write(`Run ${runName} (${workflow}) submitted to ${where}.\n`);
    console.log(runName);
    return;
  }
  process.stderr.write(`Run ${runName} (${workflow}) submitted to ${where}. Ctrl+C stops it; press twice to abort.\n`);
  await followRunToEnd({
    runName,
    stop: (abort) => hub.call('runs.stop', { projectId: hub.projectId, runName, abort }),
    follow: () => followHubLog(hub, runName, (lines) => printEvents(lines)),
    end: () => finalState(hub, runName),
  });
}
