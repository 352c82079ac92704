/**
 * Where our pages come from. In production the renderer is served from a
 * privileged custom scheme, `dstack-app://ui/`, rather than `file://`, so the
 * page has a real origin of its own: the IPC sender check compares against
 * it and the CSP's `'self'` means exactly our files. In development it is
 * electron-vite's dev server.
 */
export const APP_SCHEME = 'dstack-app';
export const APP_HOST = 'ui';

/** The origin of a URL as `scheme://host[:port]`; WHATWG gives `null` for custom schemes, which would compare equal to any. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.host ? `${u.protocol}//${u.host}` : undefined;
  } catch {
    return undefined;
  }
}

/** The URL the window loads and the origin every IPC sender must have. */
export function appLocation(devServerUrl: string | undefined): { url: string; origin: string } {
  if (devServerUrl) {
    const origin = originOf(devServerUrl);
    if (origin) return { url: devServerUrl, origin };
  }
  return { url: `${APP_SCHEME}://${APP_HOST}/index.html`, origin: `${APP_SCHEME}://${APP_HOST}` };
}
