/**
 * The runner's watch for the end of its spot instance: AWS posts a notice in
 * IMDS two minutes before it reclaims the instance, which is enough to stop
 * the job gracefully and save its artifacts. Polled every few seconds; the
 * first notice is reported once. Off EC2 there is no IMDS: the failure is
 * said once, in the runner's own log, and polling goes on quietly, so a job
 * is never harmed by the watch.
 */
import { toDstackError } from '../../common/errors';
import type { ImdsClient, SpotInstanceAction } from './imds';

export interface SpotWatchOptions {
  /** Default 5 s. */
  pollMs?: number;
  /** Where the one warning goes; default the runner's stderr. */
  warn?: (line: string) => void;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** The reason a user reads on the failed job, e.g. "The spot instance was interrupted by AWS (terminate at 12:34 UTC)". */
export function spotNoticeMessage(notice: SpotInstanceAction): string {
  const t = new Date(notice.time);
  const when = notice.time && !Number.isNaN(t.getTime()) ? ` at ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())} UTC` : '';
  return `The spot instance was interrupted by AWS (${notice.action}${when})`;
}

/** Polls for a spot interruption notice until one comes (reported once) or the returned function is called. */
export function watchSpotInterruption(imds: ImdsClient, onNotice: (reason: string) => void, opts: SpotWatchOptions = {}): () => void {
  const pollMs = opts.pollMs ?? 5_000;
  const warn = opts.warn ?? ((line: string) => console.warn(`dstack runner: ${line}`));
  let stopped = false;
  let warned = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = async (): Promise<void> => {
    try {
      const notice = await imds.spotInstanceAction();
      if (stopped) return;
      if (notice) {
        stopped = true;
        onNotice(spotNoticeMessage(notice));
        return;
      }
    } catch (err) {
      if (!warned && !stopped) warn(`spot interruption notices cannot be read, the job goes on without them: ${toDstackError(err).message}`);
      warned = true;
    }
    if (!stopped) {
      timer = setTimeout(() => void poll(), pollMs);
      timer.unref();
    }
  };
  void poll();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
