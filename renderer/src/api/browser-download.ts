/**
 * In `dstack server` mode a finished file is fetched by the browser itself,
 * as an ordinary download of the URL the server handed out (same origin, so
 * the auth cookie applies). Only server-relative URLs are followed. The team
 * hub has no cookie: its page sets a fetcher that sends the bearer token,
 * which a plain link cannot carry.
 */
let fetcher: ((url: URL) => void) | null = null;

/** Replaces the plain link with `fetch` (hub mode); the call sites (a store, a hook) stay as they are. */
export function setDownloadFetcher(f: ((url: URL) => void) | null): void {
  fetcher = f;
}

/** Saves a file through a link the page clicks, e.g. an object URL of fetched bytes. */
export function saveAs(href: string, name: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}

export function browserDownload(url: string): void {
  const target = new URL(url, window.location.origin);
  if (target.origin !== window.location.origin) return;
  if (fetcher) return fetcher(target);
  saveAs(target.href, '');
}
