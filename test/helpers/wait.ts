/**
 * Polling for a condition with a deadline, for tests that must hold on a
 * loaded machine: the wait either sees what it waited for, or fails saying
 * what it waited for and what it saw last. It never goes on silently.
 */
import { inspect } from 'node:util';

export interface WaitOptions {
  /** Give up after this long; generous, since a loaded 2-core machine is slow. */
  timeoutMs?: number;
  /** Pause between probes. */
  everyMs?: number;
}

/**
 * Probes until `ok(value)` holds and returns that value; otherwise throws
 * "Timed out after N s waiting for {what}; last seen: …".
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, ok: (value: T) => boolean, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let probeError: unknown;
  let timer: NodeJS.Timeout | undefined;
  // A probe that never settles (a command that hangs) must not carry the wait past its deadline without a word.
  const overdue = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`it had not answered ${Math.round(timeoutMs / 1000)} s after the wait began`)), timeoutMs + 1000);
  });
  overdue.catch(() => undefined);
  try {
    for (;;) {
      try {
        last = await Promise.race([probe(), overdue]);
        probeError = undefined;
        if (ok(last)) return last;
      } catch (err) {
        probeError = err;
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, opts.everyMs ?? 50));
    }
  } finally {
    clearTimeout(timer);
  }
  const seen = probeError ? `the probe failed: ${(probeError as Error).message ?? String(probeError)}` : inspect(last, { depth: 4, breakLength: Infinity });
  throw new Error(`Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}; last seen: ${seen}`);
}
