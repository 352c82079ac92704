/**
 * Turns whatever a call threw into what the UI shows: a sentence and a fix.
 * Stack traces and raw objects never reach the screen, because users cannot
 * act on them; typed errors from `main/` already carry both parts.
 */
import { DstackError, fromSerialized, type SerializedError } from '../../../main/common/errors';

export interface ShownError {
  code: string;
  message: string;
  fix?: string;
  /** Structured facts the UI may act on, e.g. `{ canInit: true }` from `projects.open`. */
  details?: unknown;
}

function isSerialized(e: unknown): e is SerializedError {
  return typeof e === 'object' && e !== null && typeof (e as SerializedError).code === 'string' && typeof (e as SerializedError).message === 'string';
}

/** The user-facing form of any thrown value. */
export function describeError(err: unknown): ShownError {
  const e = err instanceof DstackError ? err : isSerialized(err) ? fromSerialized(err) : null;
  if (e) return { code: e.code, message: e.message, fix: e.fix, ...(e.details === undefined ? {} : { details: e.details }) };
  if (err instanceof TypeError) {
    return { code: 'unavailable', message: 'The app could not reach dstack.', fix: 'Check that `dstack server` is still running, then try again.' };
  }
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return { code: 'internal', message: message || 'Something went wrong.', fix: 'Try again; if it keeps happening, restart the app.' };
}

/** Whether the error is the user's own cancel, which the UI shows quietly. */
export function isCancel(err: unknown): boolean {
  return (err instanceof DstackError && err.code === 'cancelled') || (err instanceof Error && err.name === 'AbortError');
}
