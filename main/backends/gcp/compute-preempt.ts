/**
 * The runner's watch for the end of its spot VM: Compute Engine sets the
 * metadata value `instance/preempted` to TRUE about 30 seconds before it
 * takes the VM back, which is enough to stop the job gracefully and save
 * its artifacts. The watch asks with `wait_for_change`, so the server
 * answers the moment the value changes, not on the next poll. Off GCE there
 * is no metadata server: the failure is said once, in the runner's own
 * log, and the watch goes on quietly, so a job is never harmed by it.
 *
 * The server's address honours GCE_METADATA_HOST, as Google's own libraries
 * (gcp-metadata, hence google-auth-library) do; tests point it at a stand-in.
 */
import { toDstackError, DstackError } from '../../common/errors';

/** The metadata server's base URL for an environment. */
export function metadataBase(env: NodeJS.ProcessEnv = process.env): string {
  return `http://${env.GCE_METADATA_HOST || 'metadata.google.internal'}/computeMetadata/v1`;
}

export interface PreemptWatchOptions {
  /** Pause after a failed request before asking again; default 5 s. */
  retryMs?: number;
  /** How long the server may hold one wait_for_change request; default 60 s. */
  waitSec?: number;
  /** Where the one warning goes; default the runner's stderr. */
  warn?: (line: string) => void;
}

/** The reason a user reads on the failed job. */
export const PREEMPTED_MESSAGE = 'The spot VM was preempted by Compute Engine';

interface Answer {
  value: string;
  etag: string | undefined;
}

async function ask(base: string, query: string, signal: AbortSignal, timeoutMs: number): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(`${base}/instance/preempted${query}`, { headers: { 'Metadata-Flavor': 'Google' }, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new DstackError('unavailable', `The metadata server did not answer instance/preempted (${cause}).`);
  }
  const value = (await res.text()).trim();
  if (res.status !== 200) throw new DstackError('unavailable', `The metadata server answered instance/preempted with HTTP ${res.status}.`);
  return { value, etag: res.headers.get('etag') ?? undefined };
}

/** Watches for preemption until it comes (reported once) or the returned function is called. */
export function watchPreemption(base: string, onNotice: (reason: string) => void, opts: PreemptWatchOptions = {}): () => void {
  const retryMs = opts.retryMs ?? 5_000;
  const waitSec = opts.waitSec ?? 60;
  const warn = opts.warn ?? ((line: string) => console.warn(`dstack runner: ${line}`));
  const stop = new AbortController();
  let warned = false;
  let etag: string | undefined;
  const loop = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      try {
        const query = etag ? `?wait_for_change=true&timeout_sec=${waitSec}&last_etag=${encodeURIComponent(etag)}` : '';
        const a = await ask(base, query, stop.signal, (waitSec + 10) * 1000);
        etag = a.etag;
        if (a.value.toUpperCase() === 'TRUE') {
          if (!stop.signal.aborted) onNotice(PREEMPTED_MESSAGE);
          return;
        }
        // Without an etag there is nothing to wait on: ask again after a pause rather than at once.
        if (etag) continue;
      } catch (err) {
        if (stop.signal.aborted) return;
        if (!warned) warn(`spot preemption notices cannot be read, the job goes on without them: ${toDstackError(err).message}`);
        warned = true;
        etag = undefined;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, retryMs);
        t.unref();
        stop.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  };
  void loop();
  return () => stop.abort();
}
