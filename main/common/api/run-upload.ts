/**
 * `dstack run` through a team hub sends the member's workflow files and
 * working copy in one streamed request (the hub's `run-upload.ts` says why):
 * one line of JSON, this head, then the snapshot's gzip tar. Client and hub
 * share the route, the Content-Type and the head's shape from here.
 */
import type { RunRequest } from './operations';

/** The route under `/api/v1/projects/{name}/`. */
export const RUN_UPLOAD_ROUTE = 'upload/run';
/** The body's Content-Type: not one a cross-site form can send. */
export const RUN_UPLOAD_TYPE = 'application/x-dstack-run';

/** The JSON line before the code. */
export interface RunUploadHead {
  request: RunRequest;
  /** Each workflow file as the loader finds it in the project, relative to its root, with forward slashes. */
  workflowFiles: { file: string; text: string }[];
  git?: { commit: string; branch?: string; dirty: boolean };
}

/** What the hub answers once the run is submitted. */
export interface RunUploadResult {
  runName: string;
  workflowName: string;
}
