/**
 * The IMDSv2 client against a loopback stand-in that enforces IMDSv2 as EC2
 * does: token handling, 404 versus a notice, and what happens when nothing
 * answers.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IMDS_DEFAULT_ENDPOINT, ImdsClient, imdsEndpoint } from '../../../main/backends/aws/imds';
import type { ImdsStandin } from '../../helpers/imds-standin';
import { startImdsStandin } from '../../helpers/imds-standin';

const NOTICE_PATH = '/latest/meta-data/spot/instance-action';
let imds: ImdsStandin;
beforeEach(async () => {
  imds = await startImdsStandin();
});
afterEach(async () => {
  await imds.stop();
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('IMDS address', () => {
  it('is the link-local default unless AWS_EC2_METADATA_SERVICE_ENDPOINT says otherwise', () => {
    expect(imdsEndpoint({})).toBe(IMDS_DEFAULT_ENDPOINT);
    expect(IMDS_DEFAULT_ENDPOINT).toBe('http://169.254.169.254');
    expect(imdsEndpoint({ AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9999/' })).toBe('http://127.0.0.1:9999');
  });
});

describe('IMDSv2 client', () => {
  it('gets a session token with a TTL, sends it with each GET and reuses it', async () => {
    const c = new ImdsClient({ endpoint: imds.endpoint });
    expect(await c.spotInstanceAction()).toBeUndefined();
    expect(await c.spotInstanceAction()).toBeUndefined();
    const puts = imds.calls.filter((x) => x.method === 'PUT');
    const gets = imds.calls.filter((x) => x.method === 'GET');
    expect(puts).toEqual([{ method: 'PUT', path: '/latest/api/token', ttl: '21600', status: 200 }]);
    expect(gets.map((g) => [g.path, g.status])).toEqual([
      [NOTICE_PATH, 404],
      [NOTICE_PATH, 404],
    ]);
    expect(gets[0]!.token).toBeTruthy();
    expect(gets[1]!.token).toBe(gets[0]!.token);
  });

  it('returns the notice once AWS posts one', async () => {
    const c = new ImdsClient({ endpoint: imds.endpoint });
    expect(await c.spotInstanceAction()).toBeUndefined();
    imds.notice = { action: 'terminate', time: '2026-11-28T12:34:56Z' };
    expect(await c.spotInstanceAction()).toEqual({ action: 'terminate', time: '2026-11-28T12:34:56Z' });
  });

  it('gets a new token when IMDS rejects the old one, and when it is about to expire', async () => {
    let now = 1_000_000;
    const c = new ImdsClient({ endpoint: imds.endpoint, tokenTtlSec: 120, now: () => now });
    await c.spotInstanceAction();
    imds.expireTokens();
    expect(await c.spotInstanceAction()).toBeUndefined();
    expect(imds.calls.map((x) => `${x.method} ${x.status}`)).toEqual(['PUT 200', 'GET 404', 'GET 401', 'PUT 200', 'GET 404']);
    // A 120 s token is renewed a minute before it runs out.
    now += 59_000;
    await c.spotInstanceAction();
    now += 2_000;
    await c.spotInstanceAction();
    expect(imds.calls.filter((x) => x.method === 'PUT').map((x) => x.ttl)).toEqual(['120', '120', '120']);
  });

  it('fails with one clear error when IMDS does not answer in time, or is not there', async () => {
    imds.hang = true;
    const slow = new ImdsClient({ endpoint: imds.endpoint, timeoutMs: 200 });
    await expect(slow.spotInstanceAction()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('The instance metadata service did not answer PUT /latest/api/token') });
    expect(imds.calls).toEqual([{ method: 'PUT', path: '/latest/api/token', status: 0 }]);
    const none = new ImdsClient({ endpoint: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 200 });
    await expect(none.spotInstanceAction()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('takes any answer on the notice path as a notice, even one it cannot read', async () => {
    const c = new ImdsClient({ endpoint: imds.endpoint });
    imds.notice = '<html>maintenance</html>';
    expect(await c.spotInstanceAction()).toEqual({ action: 'terminate', time: '' });
  });
});
