// proxy-from-env 2 ships no types; this is its one export, as its README documents.
declare module 'proxy-from-env' {
  /** The proxy URL the environment names for `url` (HTTP(S)_PROXY, ALL_PROXY, minus NO_PROXY), or '' for a direct connection. */
  export function getProxyForUrl(url: string | URL): string;
}
