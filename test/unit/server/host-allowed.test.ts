// One Host/Origin check serves `dstack server` and the hub: the same Host
// rules, and only the hub takes an https Origin (it may sit behind TLS).
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { hubHostAllowed, hubHosts } from '../../../main/hub/server/network';
import { allowedHosts, hostAllowed } from '../../../main/server/auth';

const request = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

describe('Host and Origin checks', () => {
  const server = allowedHosts('127.0.0.1', 3000);
  const hub = hubHosts('127.0.0.1', 3000, ['hub.example']);

  it('takes a matching Host without Origin, and refuses another Host, on both', () => {
    expect(hostAllowed(request({ host: '127.0.0.1:3000' }), server)).toBe(true);
    expect(hubHostAllowed(request({ host: 'HUB.example' }), hub)).toBe(true);
    expect(hostAllowed(request({ host: 'evil.example:3000' }), server)).toBe(false);
    expect(hubHostAllowed(request({ host: 'evil.example' }), hub)).toBe(false);
  });

  it('takes an http Origin on both and an https Origin only on the hub', () => {
    expect(hostAllowed(request({ host: 'localhost:3000', origin: 'http://localhost:3000' }), server)).toBe(true);
    expect(hostAllowed(request({ host: 'localhost:3000', origin: 'https://localhost:3000' }), server)).toBe(false);
    expect(hubHostAllowed(request({ host: 'hub.example', origin: 'https://hub.example' }), hub)).toBe(true);
    expect(hubHostAllowed(request({ host: 'hub.example', origin: 'https://evil.example' }), hub)).toBe(false);
    expect(hubHostAllowed(request({ host: 'hub.example', origin: 'not a url' }), hub)).toBe(false);
  });
});
