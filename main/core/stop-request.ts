/**
 * A stop request is an object in storage, not a signal, so any client on any
 * machine can stop a job and the runner finds it by polling wherever it runs.
 * An abort request wins over a graceful one.
 */
import type { Storage } from './backend';
import { keys } from './keys';

export interface StopRequest {
  abort: boolean;
  at: number;
}

export async function writeStopRequest(storage: Storage, repo: string, jobId: string, abort: boolean): Promise<void> {
  const seen = await readStopRequest(storage, repo, jobId);
  if (seen?.abort && !abort) return;
  await storage.put(keys.stopRequest(repo, jobId), JSON.stringify({ abort, at: Date.now() } satisfies StopRequest));
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
