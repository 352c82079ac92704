/**
 * Puts the runner bundle in the bucket for cloud machines to fetch, under a
 * content-hash version so each build is uploaded once and a machine always
 * runs the bundle its launch named. Shared by every cloud backend's launch.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DstackError } from '../common/errors';
import type { Storage } from './backend';
import { keys } from './keys';

/** Uploads the bundle at `path` unless that version is there already; returns its key. */
export async function uploadRunnerBundle(storage: Storage, path: string): Promise<string> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch (err) {
    throw new DstackError('config', `The runner bundle ${path} cannot be read.`, { fix: 'Build the app (`npm run build`) or set DSTACK_RUNNER_BUNDLE to runner.mjs.', cause: err });
  }
  const key = keys.runnerBundle(createHash('sha256').update(body).digest('hex').slice(0, 16));
  if (!(await storage.head(key))) await storage.put(key, body);
  return key;
}
