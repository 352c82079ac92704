/**
 * Who may reach the hub, by name. The same DNS-rebinding defence as
 * `dstack server` (server/auth.ts): Host, and Origin when a browser sends
 * one, must name the hub: loopback names, the bound address, and the names
 * an admin adds with `--allowed-host` (how a team reaches it: hub.example).
 * Unlike `dstack server`, the hub may serve HTTPS, so an Origin may be https.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../../common/errors';
import { allowedHosts, hostAllowed } from '../../server/auth';
import { hostParses } from '../../server/request-target';

/** Host[:port] values a client may send: loopback and bound names on `port`, and each extra name with and without it. */
export function hubHosts(bind: string, port: number, extra: readonly string[]): Set<string> {
  const hosts = allowedHosts(bind, port);
  for (const name of extra) {
    const n = name.toLowerCase();
    hosts.add(`${n}:${port}`);
    // Behind a reverse proxy the Host a client sends carries the proxy's port (none for 443), not ours.
    hosts.add(n);
  }
  return hosts;
}

/** Checks an `--allowed-host` value: a host name or address, without scheme, port or path. */
export function parseAllowedHost(value: string): string {
  const v = value.trim();
  const bare = v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v;
  if (isIP(bare) === 6) return `[${bare}]`;
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(v) || !hostParses(v)) {
    throw new InvalidArgumentError(`--allowed-host "${value}" is not a host name.`, 'Give the bare name clients use, e.g. --allowed-host hub.example.com (no scheme, port or path).');
  }
  return v;
}

/** Whether Host and Origin (when sent) name the hub; http or https, as the hub may sit behind a TLS proxy. */
export function hubHostAllowed(req: IncomingMessage, hosts: Set<string>): boolean {
  return hostAllowed(req, hosts, ['http:', 'https:']);
}

/** Whether binding `host` keeps the hub on this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
