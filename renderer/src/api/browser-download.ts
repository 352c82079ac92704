/**
 * In `dstack server` mode a finished file is fetched by the browser itself,
 * as an ordinary download of the URL the server handed out (same origin, so
 * the auth cookie applies). Only server-relative URLs are followed.
 */
export function browserDownload(url: string): void {
  const target = new URL(url, window.location.origin);
  if (target.origin !== window.location.origin) return;
  const a = document.createElement('a');
  a.href = target.href;
  a.download = '';
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
}
