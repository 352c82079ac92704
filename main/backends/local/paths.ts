/**
 * Where the local backend keeps things under DSTACK_HOME. Everything lives in
 * `{home}/local/` so that switching a home to AWS never touches local state,
 * and deleting that one folder resets the local backend.
 */
import { join } from 'node:path';
import { localWorkRoot } from '../../node/job-footprint';

export interface LocalPaths {
  /** Objects of {@link LocalStorage}: one file per key. */
  storage: string;
  /** Job logs: `{logs}/{repo}/{jobId}.jsonl`. */
  logs: string;
  /** Runner pid files and the runners' own stdout/stderr. */
  runners: string;
  /** Running jobs' work folders (private, 0700), which reconcile clears after a runner died. */
  work: string;
}

export function localPaths(home: string): LocalPaths {
  const root = join(home, 'local');
  return { storage: join(root, 'storage'), logs: join(root, 'logs'), runners: join(root, 'runners'), work: localWorkRoot(home) };
}
