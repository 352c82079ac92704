/**
 * The request handler of every SDK client we build, so AWS calls honour
 * HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY (lower-case forms too)
 * as downloads do (object-reader.ts, through undici). The SDK's own
 * handler takes one fixed agent per protocol and ignores those variables;
 * whether a request goes through a proxy depends on its host (NO_PROXY), so
 * this picks, per request, a kept-alive NodeHttpHandler for the proxy
 * the environment names (node/proxy-env.ts; none for a direct connection).
 */
import http from 'node:http';
import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { proxyFor } from '../../node/proxy-env';

export interface ProxyAwareHandlerOptions {
  /** Sockets per host and proxy; the SDK's default is 50. */
  maxSockets?: number;
  /** Milliseconds to set up a connection. */
  connectionTimeout?: number;
  /** Milliseconds a socket may go without a byte. */
  socketTimeout?: number;
}

type Handle = NodeHttpHandler['handle'];

/** An SDK request handler that goes through the proxy the environment names for each request's URL. */
export class ProxyAwareHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  /** By proxy URL; '' is the direct connection. */
  private readonly handlers = new Map<string, NodeHttpHandler>();
  private readonly overrides: Partial<NodeHttpHandlerOptions> = {};

  constructor(private readonly opts: ProxyAwareHandlerOptions = {}) {}

  handle(...[request, options]: Parameters<Handle>): ReturnType<Handle> {
    const port = request.port ? `:${request.port}` : '';
    return this.handlerFor(proxyFor(`${request.protocol}//${request.hostname}${port}`)).handle(request, options);
  }

  updateHttpClientConfig(key: keyof NodeHttpHandlerOptions, value: NodeHttpHandlerOptions[typeof key]): void {
    Object.assign(this.overrides, { [key]: value });
    for (const h of this.handlers.values()) h.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs(): NodeHttpHandlerOptions {
    return { ...this.base(), ...this.overrides };
  }

  destroy(): void {
    for (const h of this.handlers.values()) h.destroy();
    this.handlers.clear();
  }

  private handlerFor(proxy: string): NodeHttpHandler {
    let handler = this.handlers.get(proxy);
    if (!handler) {
      const agent = { keepAlive: true, maxSockets: this.opts.maxSockets ?? 50 };
      handler = new NodeHttpHandler({
        ...this.base(),
        httpAgent: proxy ? new HttpProxyAgent(proxy, agent) : new http.Agent(agent),
        httpsAgent: proxy ? new HttpsProxyAgent(proxy, agent) : new https.Agent(agent),
        ...this.overrides,
      });
      this.handlers.set(proxy, handler);
    }
    return handler;
  }

  private base(): NodeHttpHandlerOptions {
    const { connectionTimeout, socketTimeout } = this.opts;
    return { ...(connectionTimeout ? { connectionTimeout } : {}), ...(socketTimeout ? { socketTimeout } : {}) };
  }
}
