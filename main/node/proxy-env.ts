/**
 * Which proxy the environment names for a URL: HTTPS_PROXY / HTTP_PROXY /
 * ALL_PROXY (lower-case forms too) minus NO_PROXY, through proxy-from-env,
 * so the AWS SDK's handler (backends/aws/proxy-handler.ts) and the GCP
 * REST calls (backends/gcp/http.ts) decide alike. For fetch, one undici
 * ProxyAgent per proxy URL, kept alive and loaded only when a proxy is set.
 */
import { getProxyForUrl } from 'proxy-from-env';
import type { Dispatcher } from 'undici';

/** The proxy URL for `url`, or '' for a direct connection. */
export function proxyFor(url: string | URL): string {
  return getProxyForUrl(url);
}

const agents = new Map<string, Promise<Dispatcher>>();

/** A fetch `dispatcher` that goes through the proxy for `url`, or undefined to connect directly. */
export function proxyDispatcher(url: string | URL): Promise<Dispatcher> | undefined {
  const proxy = proxyFor(url);
  if (!proxy) return undefined;
  let agent = agents.get(proxy);
  if (!agent) {
    agent = import('undici').then(({ ProxyAgent }) => new ProxyAgent(proxy));
    agents.set(proxy, agent);
  }
  return agent;
}
