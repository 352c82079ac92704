// GCP's REST calls honour the proxy variables as AWS's do (node/proxy-env.ts):
// a recording proxy on 127.0.0.1 sees the storage calls through HTTP_PROXY
// (or http_proxy), and NO_PROXY makes them bypass it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GcpHttp } from '../../../main/backends/gcp/http';
import { GcsStorage } from '../../../main/backends/gcp/storage';
import type { GcsStandin } from '../../helpers/gcs-standin';
import { startGcsStandin } from '../../helpers/gcs-standin';
import type { RecordingProxy } from '../../helpers/recording-proxy';
import { startRecordingProxy, stubProxyEnv } from '../../helpers/recording-proxy';
import { FAST_RETRY } from './setup';

let gcs: GcsStandin;
let proxy: RecordingProxy;
let tmp: string;

beforeAll(async () => {
  gcs = await startGcsStandin();
  proxy = await startRecordingProxy();
  tmp = await mkdtemp(join(tmpdir(), 'dstack-gcp-proxy-'));
});
afterAll(async () => {
  await proxy?.stop();
  await gcs?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
  proxy.log.length = 0;
});

/** Writes, reads back and downloads one object through the backend's REST layer. */
async function roundTrip(name: string): Promise<void> {
  const storage = new GcsStorage({ http: new GcpHttp(async () => gcs.token, FAST_RETRY), endpoint: gcs.endpoint, bucket: gcs.bucket }, join(tmp, 'home'));
  await storage.put(`proxied/${name}`, `content of ${name}`);
  await writeFile(join(tmp, `${name}.src`), `file ${name}`);
  await storage.uploadFile(join(tmp, `${name}.src`), `proxied/${name}.file`);
  await storage.downloadFile(`proxied/${name}.file`, join(tmp, name));
  expect(await readFile(join(tmp, name), 'utf8')).toBe(`file ${name}`);
}

describe('GCP calls through a proxy', () => {
  it('sends uploads, reads and downloads through HTTP_PROXY', async () => {
    stubProxyEnv({ HTTP_PROXY: proxy.url });
    await roundTrip('upper.txt');
    expect(proxy.log).toEqual(expect.arrayContaining([`POST /upload/storage/v1/b/${gcs.bucket}/o`, `GET /storage/v1/b/${gcs.bucket}/o/${encodeURIComponent('proxied/upper.txt.file')}`]));
  });

  it('reads the lower-case form too', async () => {
    stubProxyEnv({ http_proxy: proxy.url });
    await roundTrip('lower.txt');
    expect(proxy.log).toEqual(expect.arrayContaining([`POST /upload/storage/v1/b/${gcs.bucket}/o`]));
  });

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    stubProxyEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    await roundTrip('direct.txt');
    expect(proxy.log).toEqual([]);
  });
});
