/**
 * The contract over a team hub, for the hub's own page: the same
 * HttpClient as `dstack server`'s, with the hub's routes. Calls go to
 * `/api/v1/projects/{project}/ops/{op}` with `Authorization: Bearer`, the
 * project's events come over its socket (the token offered as a
 * subprotocol, since a browser sets no header on a WebSocket), and finished
 * downloads are fetched with the token too. The token lives in memory and
 * sessionStorage only: never in a URL, a cookie or localStorage.
 */
import { DstackError, fromSerialized } from '../../../main/common/errors';
import type { Envelope } from '../../../main/common/api/operations';
import { toast } from '../shell/toasts';
import { saveAs } from './browser-download';
import { HttpClient, type HttpRoutes } from './http-client';

const TOKEN_KEY = 'dstack.hubToken';

/** The token this tab signed in with; sessionStorage ends with the tab, so it does not outlive the session. */
export const hubToken = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

const api = (origin: string) => `${origin}/api/v1`;

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** The hub's routes for one project. */
export function hubRoutes(project: string, token: string, origin: string = window.location.origin): HttpRoutes {
  const base = `${api(origin)}/projects/${encodeURIComponent(project)}`;
  return {
    op: (op) => `${base}/ops/${op}`,
    events: `${base.replace(/^http/, 'ws')}/events`,
    probe: `${api(origin)}/me`,
    headers: bearer(token),
    protocols: ['dstack.bearer', `dstack.token.${token}`],
    credentials: 'omit',
  };
}

/** An ApiClient for one hub project. */
export function createHubClient(project: string, token: string): HttpClient {
  return new HttpClient(hubRoutes(project, token));
}

/** The error a person can act on when the hub cannot be reached at all. */
export function hubDown(): DstackError {
  return new DstackError('unavailable', `Cannot reach the hub at ${window.location.origin}.`, {
    fix: 'Check that `dstack hub` is still running there (and any proxy in front of it), then try again.',
  });
}

/** Calls one of the hub's own actions (`me`, `users.create`, …) with the token; throws the typed error it answers. */
export async function hubAction<T>(action: string, token: string, input: unknown = {}): Promise<T> {
  const res = await fetch(`${api(window.location.origin)}/${action}`, {
    method: 'POST',
    credentials: 'omit',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify(input ?? {}),
  }).catch(() => {
    throw hubDown();
  });
  let envelope: Envelope<T>;
  try {
    envelope = (await res.json()) as Envelope<T>;
  } catch {
    throw new DstackError('unavailable', `The hub answered ${res.status} without a result.`, { fix: 'Check the log of `dstack hub`, or the proxy in front of it.' });
  }
  if ('error' in envelope) throw fromSerialized(envelope.error);
  return envelope.result;
}

/**
 * Whether this page came from a team hub: the hub marks its pages with
 * `X-Dstack-Hub` (main/hub/server/web-page.ts). Asking the page itself
 * answers 200 on both servers, so `dstack server` logs no failed request.
 */
export async function isHubPage(): Promise<boolean> {
  const res = await fetch(window.location.origin + '/', { method: 'HEAD', credentials: 'same-origin' }).catch(() => null);
  return !!res?.headers.get('x-dstack-hub');
}

/** Fetches a finished download with the token and saves it under the name the hub gave. */
export function hubDownloader(token: string): (url: URL) => void {
  return (url) => {
    void fetch(url, { headers: bearer(token), credentials: 'omit' }).then(async (res) => {
      if (!res.ok) return toast(`The download failed: the hub answered ${res.status}. Try again; if it keeps failing, check the log of \`dstack hub\`.`);
      const name = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1];
      const href = URL.createObjectURL(await res.blob());
      saveAs(href, name ? decodeURIComponent(name) : 'download');
      setTimeout(() => URL.revokeObjectURL(href), 60_000);
    }, () => toast(`The download failed: cannot reach the hub at ${window.location.origin}. Check that \`dstack hub\` is running, then try again.`));
  };
}
