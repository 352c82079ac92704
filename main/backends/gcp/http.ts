/**
 * The one way this backend talks to Google Cloud: JSON/REST over fetch,
 * with a bearer token from google-auth-library.
 *
 * Why REST by hand and not the client libraries: @google-cloud/storage 8
 * needs Node 22 (the runner must run on an image's Node 20), and
 * @google-cloud/logging and @google-cloud/secret-manager bring google-gax,
 * gRPC and protobufjs, many megabytes the runner bundle would carry for a
 * handful of calls. google-auth-library alone finds the credentials
 * (gcloud's, a key file, or the instance's service account) and refreshes
 * tokens; the few endpoints we use are plain JSON.
 */
import { proxyDispatcher } from '../../node/proxy-env';
import { sleep } from '../../node/waits';
import type { GcpContext } from './errors';
import { GcpHttpError, httpError, unreachable } from './errors';
import { CancelledError, DstackError } from '../../common/errors';

/** Gives a current OAuth access token. */
export type TokenSource = () => Promise<string>;

export interface GcpCall extends GcpContext {
  method?: string;
  url: string;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  json?: unknown;
  signal?: AbortSignal;
  /** Statuses handed back instead of thrown: 404 for a missing object, 308 for an unfinished upload. */
  accept?: number[];
  /** Safe to send again after no answer or a 429/5xx: reads, deletes, writes guarded by a precondition. */
  idempotent?: boolean;
}

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const RETRY_MS = [250, 1000, 3000];

/**
 * The token source of a config: a service-account key kept in the OS
 * keychain, a key file, or Application Default Credentials
 * (GOOGLE_APPLICATION_CREDENTIALS, gcloud's application_default_credentials.json,
 * or on a VM its service account). google-auth-library is loaded on first use only.
 */
export function defaultTokens(keyFile?: string, keychainKey?: string): TokenSource {
  if (keychainKey) return keychainTokens(keychainKey);
  let auth: Promise<{ getAccessToken(): Promise<string | null | undefined> }> | undefined;
  return async () => {
    auth ??= import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: [SCOPE], ...(keyFile ? { keyFilename: keyFile } : {}) }));
    let token: string | null | undefined;
    try {
      token = await (await auth).getAccessToken();
    } catch (err) {
      throw new DstackError('credentials', `No Google Cloud credentials were found (${(err as Error).message}).`, {
        fix: keyFile
          ? `Check that ${keyFile} is a service account key file you can read.`
          : 'Run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a service account key file.',
      });
    }
    if (!token) throw new DstackError('credentials', 'Google Cloud gave no access token.', { fix: 'Run `gcloud auth application-default login` and try again.' });
    return token;
  };
}

/**
 * A key from the keychain signs its own tokens: a self-signed JWT with the
 * cloud-platform scope, which Google's APIs accept from service accounts
 * (Google's client libraries do the same), so the key never leaves this
 * process and no token exchange is needed. Signed anew every call; each
 * lives an hour, the call takes well under that.
 */
function keychainTokens(account: string): TokenSource {
  let client: Promise<{ getRequestHeaders(): Promise<Headers> }> | undefined;
  return async () => {
    client ??= (async () => {
      const [{ JWT }, { loadServiceAccountKey }] = await Promise.all([import('google-auth-library'), import('./keychain')]);
      const key = await loadServiceAccountKey(account);
      const jwt = new JWT({ email: key.client_email, key: key.private_key, keyId: key.private_key_id, scopes: [SCOPE] });
      jwt.useJWTAccessWithScope = true;
      return jwt;
    })();
    try {
      const header = (await (await client).getRequestHeaders()).get('authorization') ?? '';
      return header.replace(/^Bearer /, '');
    } catch (err) {
      client = undefined;
      throw err;
    }
  };
}

function withQuery(url: string, query: GcpCall['query']): string {
  if (!query) return url;
  const u = new URL(url);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
  return u.toString();
}


export class GcpHttp {
  constructor(
    private readonly token: TokenSource,
    private readonly retryMs: readonly number[] = RETRY_MS,
  ) {}

  /** Sends the call; an answer outside 2xx and `accept` becomes a typed error naming the action and resource. */
  async call(c: GcpCall): Promise<Response> {
    const url = withQuery(c.url, c.query);
    const headers: Record<string, string> = { ...c.headers, authorization: `Bearer ${await this.token()}` };
    let body = c.body;
    if (c.json !== undefined) {
      body = JSON.stringify(c.json);
      headers['content-type'] = 'application/json';
    }
    for (let attempt = 0; ; attempt++) {
      if (c.signal?.aborted) throw new CancelledError('The transfer was cancelled.');
      let res: Response;
      try {
        // Manual: a resumable upload's 308 is "go on", not a redirect.
        // A Buffer is a valid body; the DOM typings only want it backed by a plain ArrayBuffer.
        // Through the proxy HTTPS_PROXY/NO_PROXY name for this URL, as AWS calls go (node/proxy-env.ts).
        const dispatcher = await proxyDispatcher(url);
        const init = { method: c.method ?? 'GET', headers, body: body as BodyInit | undefined, redirect: 'manual' as const, signal: c.signal, ...(dispatcher ? { dispatcher } : {}) };
        res = await fetch(url, init as RequestInit);
      } catch (err) {
        if (c.signal?.aborted) throw new CancelledError('The transfer was cancelled.');
        if (c.idempotent && attempt < this.retryMs.length) {
          await sleep(this.retryMs[attempt]!, c.signal);
          continue;
        }
        throw unreachable(err, c);
      }
      if ((res.status >= 200 && res.status < 300) || c.accept?.includes(res.status)) return res;
      const text = await res.text().catch(() => '');
      if (c.idempotent && (res.status === 429 || res.status >= 500) && attempt < this.retryMs.length) {
        await sleep(this.retryMs[attempt]!, c.signal);
        continue;
      }
      throw httpError(res.status, text, c);
    }
  }

  async json<T>(c: GcpCall): Promise<T> {
    const res = await this.call(c);
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as T;
  }
}

export function isStatus(err: unknown, ...statuses: number[]): boolean {
  return err instanceof GcpHttpError && statuses.includes(err.status);
}
