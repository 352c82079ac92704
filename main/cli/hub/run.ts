/**
 * `dstack run WORKFLOW` through a team hub, as on a direct backend: this
 * folder's workflow files and working copy go to the hub, which parses the
 * files itself and submits the run to the project's backend; then the log
 * is followed until the run ends, and the exit status is the run's. Ctrl+C
 * asks the hub to stop the run; a second one aborts it.
 */
import { openAsBlob } from 'node:fs';
import type { RunUploadHead, RunUploadResult } from '../../common/api/run-upload';
import { RUN_UPLOAD_ROUTE, RUN_UPLOAD_TYPE } from '../../common/api/run-upload';
import type { ResourceOverrides, RunSummary } from '../../common/job';
import { DstackError, NotFoundError } from '../../common/errors';
import { followRunToEnd } from '../follow-run';
import { printEvents } from '../output';
import type { HubClient } from './client';
import { followHubLog, RECONNECT_FOR_MS } from './follow';
import { packWorkingCopy } from './working-copy';

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

/** Sends this folder's workflow files and working copy to the hub, which submits the run; returns its name and workflow. */
async function submitWorkingCopy(hub: HubClient, workflow: string, args: string[], opts: HubRunOptions): Promise<RunUploadResult> {
  const packed = await packWorkingCopy(process.cwd());
  try {
    const head: RunUploadHead = {
      request: {
        projectId: hub.projectId,
        workflow,
        args,
        ...(opts.tag ? { tag: opts.tag } : {}),
        ...(opts.overrides ? { overrides: opts.overrides } : {}),
      },
      workflowFiles: packed.workflowFiles,
      ...(packed.git ? { git: packed.git } : {}),
    };
    // JSON.stringify never writes a raw newline, so the first one ends the head.
    const body = new Blob([`${JSON.stringify(head)}\n`, await openAsBlob(packed.file)]);
    return await hub.upload<RunUploadResult>(RUN_UPLOAD_ROUTE, body, RUN_UPLOAD_TYPE);
  } finally {
    await packed.dispose();
  }
}

export async function hubRun(hub: HubClient, workflow: string, args: string[], opts: HubRunOptions): Promise<void> {
  const { runName, workflowName } = await submitWorkingCopy(hub, workflow, args, opts);
  const where = `the hub project ${hub.conn.project}`;
  if (opts.detach) {
    process.stderr.write(`Run ${runName} (${workflowName}) submitted to ${where}.\n`);
    console.log(runName);
    return;
  }
  process.stderr.write(`Run ${runName} (${workflowName}) submitted to ${where}. Ctrl+C stops it; press twice to abort.\n`);
  await followRunToEnd({
    runName,
    stop: (abort) => hub.call('runs.stop', { projectId: hub.projectId, runName, abort }),
    follow: () => followHubLog(hub, runName, (lines) => printEvents(lines)),
    end: () => finalState(hub, runName),
  });
}
