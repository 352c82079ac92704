/**
 * The storage key layout, modelled on dstack's S3 layout. Status lives in the
 * key of a "head" object, so one paginated listing answers `ps` without a GET
 * per run. Keys avoid characters that a Windows file system refuses, because
 * the local backend maps keys to files.
 */
import type { JobStatus } from '../common/status';
import { isJobStatus } from '../common/status';

/** Past any submit time (ms since the epoch), so a recent marker's key counts down and the newest lists first. */
const NEWEST_MS = 9_999_999_999_999;

export const keys = {
  jobRecord: (repo: string, jobId: string) => `jobs/${repo}/${jobId}.json`,
  jobHeadPrefix: (repo: string) => `jobs/${repo}/l;`,
  jobHead: (repo: string, jobId: string, status: JobStatus, submittedAt: number) =>
    `jobs/${repo}/l;${jobId};${status};${submittedAt}`,
  /** A run name's claim: created with If-None-Match, so two submits never get the same name. */
  runName: (repo: string, runName: string) => `jobs/${repo}/n;${runName}`,
  runNamePrefix: (repo: string) => `jobs/${repo}/n;`,
  stopRequest: (repo: string, jobId: string) => `jobs/${repo}/${jobId}.stop`,
  /** An unfinished job's marker (live-index.ts): `ps` lists these few instead of every head. */
  liveMarkerPrefix: (repo: string) => `runs-live/${repo}/`,
  liveMarker: (repo: string, jobId: string) => `runs-live/${repo}/${jobId}`,
  /** A job's marker among the newest of its repo, newest first in key order (live-index.ts). */
  recentMarkerPrefix: (repo: string) => `runs-recent/${repo}/`,
  recentMarker: (repo: string, jobId: string, submittedAt: number) => `runs-recent/${repo}/${String(NEWEST_MS - submittedAt).padStart(13, '0')};${jobId}`,
  /** Written once the markers of a repo's jobs from before the index existed are in place. */
  liveIndexBuilt: (repo: string) => `runs-index/${repo}.v1`,
  artifactsPrefix: (repo: string, jobId: string) => `artifacts/${repo}/${jobId}/`,
  artifact: (repo: string, jobId: string, relPath: string) => `artifacts/${repo}/${jobId}/${relPath}`,
  cachePrefix: (repo: string, workflow: string) => `cache/${repo}/${workflow}/`,
  code: (repo: string, hash: string) => `code/${repo}/${hash}.tar.gz`,
  tagHeadPrefix: (repo: string) => `tags/${repo}/l;`,
  tagHead: (repo: string, tag: string, runName: string, jobId: string) => `tags/${repo}/l;${tag};${runName};${jobId}`,
  /** A tag's claim: created with If-None-Match, so two clients never give one tag to two runs. */
  tagClaim: (repo: string, tag: string) => `tags/${repo}/n;${tag}`,
  secretMarkerPrefix: (repo: string) => `secrets/${repo}/l;`,
  secretMarker: (repo: string, name: string) => `secrets/${repo}/l;${name}`,
  launchIntent: (repo: string, jobId: string) => `launches/${repo}/${jobId}.json`,
  launchIntentPrefix: () => `launches/`,
  runnerBundle: (version: string) => `runners/${version}/runner.mjs`,
};

export interface JobHead {
  key: string;
  jobId: string;
  status: JobStatus;
  submittedAt: number;
}

/** Parses a job head key; undefined for keys that are not heads. */
export function parseJobHead(key: string): JobHead | undefined {
  const i = key.lastIndexOf('/l;');
  if (i < 0) return undefined;
  const [jobId, status, submittedAt] = key.slice(i + 3).split(';');
  if (!jobId || !status || !submittedAt || !isJobStatus(status)) return undefined;
  const t = Number(submittedAt);
  if (!Number.isFinite(t)) return undefined;
  return { key, jobId, status, submittedAt: t };
}

export interface TagHead {
  key: string;
  tag: string;
  runName: string;
  jobId: string;
}

export function parseTagHead(key: string): TagHead | undefined {
  const i = key.lastIndexOf('/l;');
  if (i < 0) return undefined;
  const [tag, runName, jobId] = key.slice(i + 3).split(';');
  if (!tag || !runName || !jobId) return undefined;
  return { key, tag, runName, jobId };
}
