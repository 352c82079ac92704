/**
 * Google Cloud's answers in words for people. Every REST API here answers
 * an error as `{ error: { code, message, status } }`; the status code says
 * whose problem it is (credentials, permission, a missing thing, a busy
 * service), and the message names what Google refused. Tokens and secret
 * values never reach a message: only the action and the resource do.
 */
import { DstackError } from '../../common/errors';

export interface GcpContext {
  /** The API method, as IAM names its permission (e.g. `storage.objects.create`). */
  action: string;
  /** What it was called on: an object URL, a log name, a secret's name. */
  resource: string;
}

/** An error answer that the caller did not expect; `status` lets callers tell 404 and 412 apart. */
export class GcpHttpError extends DstackError {
  constructor(
    readonly status: number,
    code: DstackError['code'],
    message: string,
    fix?: string,
  ) {
    super(code, message, fix ? { fix } : {});
    this.name = 'GcpHttpError';
  }
}

const CREDENTIALS_FIX =
  'Run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file.';

/** Google's own message from an error body, or the status line when the body is not JSON. */
export function googleMessage(status: number, body: string): string {
  try {
    const m = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof m === 'string' && m) return m.slice(0, 300);
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return `HTTP ${status}`;
}

export function httpError(status: number, body: string, ctx: GcpContext): GcpHttpError {
  const said = googleMessage(status, body);
  if (status === 401) return new GcpHttpError(status, 'credentials', `Google Cloud rejected the credentials (${ctx.action}): ${said}`, CREDENTIALS_FIX);
  if (status === 403) {
    return new GcpHttpError(status, 'permission', `The credentials may not call ${ctx.action} on ${ctx.resource}: ${said}`, `Grant the account a role with ${ctx.action}, or use other credentials.`);
  }
  if (status === 404) return new GcpHttpError(status, 'not_found', `${ctx.resource} does not exist: ${said}`);
  if (status === 412 || status === 409) return new GcpHttpError(status, 'conflict', `${ctx.resource} was changed by another writer: ${said}`, 'Try again.');
  if (status === 429) return new GcpHttpError(status, 'quota', `Google Cloud is throttling ${ctx.action}: ${said}`, 'Wait a minute and try again.');
  if (status >= 500) return new GcpHttpError(status, 'unavailable', `Google Cloud could not answer ${ctx.action} on ${ctx.resource}: ${said}`, 'Try again in a minute.');
  return new GcpHttpError(status, 'internal', `Google Cloud refused ${ctx.action} on ${ctx.resource}: ${said}`);
}

/** A request that never got an answer (no network, wrong endpoint, a dropped connection). */
export function unreachable(err: unknown, ctx: GcpContext): DstackError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
  return new DstackError('unavailable', `Could not reach Google Cloud for ${ctx.action} on ${ctx.resource} (${why}).`, {
    fix: 'Check the network connection and try again.',
  });
}
