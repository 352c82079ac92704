/**
 * The database failing under a running hub (Postgres down or restarting,
 * the network cut, the disk full) as one typed sentence naming the
 * database, instead of a driver's bare "Connection terminated
 * unexpectedly". Mistakes of the caller (typed errors) pass unchanged.
 */
import { DstackError } from '../../common/errors';

/** Postgres SQLSTATE classes and Node/SQLite codes that mean "the database is not there (now)", not "the request was wrong". */
const UNAVAILABLE_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|EAI_AGAIN|08\w{3}|57P0[1-3]|53\w{3}|SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY)\w*)$/;

function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|Client has encountered a connection error|not queryable|timeout exceeded when trying to connect/i.test(message);
}

/** The error to throw for `err` from a store call on the database `shown`. */
export function fromDatabase(err: unknown, shown: string): unknown {
  if (err instanceof DstackError || !isUnavailable(err)) return err;
  const reason = err instanceof Error ? err.message || String((err as { code?: unknown }).code) : String(err);
  return new DstackError('unavailable', `The hub's database ${shown} is not answering (${reason}).`, {
    fix: 'Check that the database is running and reachable (and has free disk space), then try again; the hub reconnects by itself.',
    cause: err,
  });
}
