/**
 * A stop request is an object in storage, not a signal, so any client on any
 * machine can stop a job and the runner finds it by polling wherever it runs.
 * An abort request wins over a graceful one.
 */
import type { Storage } from './backend';
import { PreconditionFailedError } from './backend';
import { keys } from './keys';

export interface StopRequest {
  abort: boolean;
  at: number;
}

/**
 * Writes a stop request without reading first. An abort always lands (it wins
 * over any request); a graceful request is only ever created, never written
 * over an existing one, so it cannot replace an abort that another client
 * wrote between a read and a write.
 */
export async function writeStopRequest(storage: Storage, repo: string, jobId: string, abort: boolean): Promise<void> {
  const key = keys.stopRequest(repo, jobId);
  const body = JSON.stringify({ abort, at: Date.now() } satisfies StopRequest);
  if (abort) return storage.put(key, body);
  try {
    await storage.put(key, body, { ifNoneMatch: '*' });
  } catch (err) {
    // A request is already there: graceful adds nothing to it, and an abort must stay.
    if (!(err instanceof PreconditionFailedError)) throw err;
  }
}

export async function readStopRequest(storage: Storage, repo: string, jobId: string): Promise<StopRequest | undefined> {
  const body = await storage.get(keys.stopRequest(repo, jobId));
  if (!body) return undefined;
  try {
    const r = JSON.parse(body.toString('utf8')) as Partial<StopRequest>;
    return { abort: r.abort === true, at: Number(r.at) || 0 };
  } catch {
    // A request we cannot read is still a request: stop gracefully.
    return { abort: false, at: 0 };
  }
}
