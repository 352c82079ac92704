/**
 * `dstack run -t TAG`: the runner tags the run once it is done, because the
 * client may have detached long before. A tag names artifacts, so a run
 * without any is not tagged; the log says why.
 */
import type { Job } from '../common/job';
import { toDstackError } from '../common/errors';
import type { Storage } from '../core/backend';
import { hasArtifacts } from '../core/artifacts';
import { TagStore } from '../core/tags';
import type { LogWriter } from './log-writer';

export async function finishTag(storage: Storage, job: Job, log: LogWriter): Promise<void> {
  if (!job.tag) return;
  if (!(await hasArtifacts(storage, job.repo, job.id))) {
    log.system(`Not tagged ${job.tag}: the run stored no artifacts.`);
    return;
  }
  try {
    await new TagStore(storage).add(job.repo, job.tag, job.runName, job.id);
    log.system(`Tagged ${job.tag}.`);
  } catch (err) {
    log.system(`Not tagged ${job.tag}: ${toDstackError(err).toLine()}`);
  }
}
