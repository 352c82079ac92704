// Every AWS call honours the proxy variables, downloads included: a recording
// proxy on 127.0.0.1 (absolute-form requests forwarded, CONNECT tunnelled to
// 127.0.0.1) sees the SDK's calls and the download's GETs, and NO_PROXY
// makes both bypass it.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createS3Client } from '../../../main/backends/aws/s3/client';
import { S3Storage } from '../../../main/backends/aws/s3/storage';
import { makeS3Client } from '../../../main/backends/aws/clients';
import type { RecordingProxy } from '../../helpers/recording-proxy';
import { startRecordingProxy, stubProxyEnv } from '../../helpers/recording-proxy';
import type { S3rver } from '../../helpers/s3rver';
import { startS3rver } from '../../helpers/s3rver';

let s3: S3rver;
let proxy: RecordingProxy;
let tmp: string;

beforeAll(async () => {
  s3 = await startS3rver();
  proxy = await startRecordingProxy();
  tmp = await mkdtemp(join(tmpdir(), 'dstack-proxy-test-'));
});
afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
  proxy.log.length = 0;
});

/** Uploads, downloads and checks one object through a fresh client; says what the proxy saw. */
async function roundTrip(name: string): Promise<void> {
  const client = createS3Client({ region: s3.region, credentials: s3.credentials, endpoint: s3.endpoint });
  try {
    const storage = new S3Storage(s3.bucket, client, join(tmp, 'home'));
    await storage.put(`proxied/${name}`, `content of ${name}`);
    const dest = join(tmp, name);
    await storage.downloadFile(`proxied/${name}`, dest);
    expect(await readFile(dest, 'utf8')).toBe(`content of ${name}`);
  } finally {
    client.destroy();
  }
}

describe('AWS calls through a proxy', () => {
  it('sends SDK calls and download GETs to a plain-http endpoint through HTTP_PROXY', async () => {
    stubProxyEnv({ HTTP_PROXY: proxy.url });
    await roundTrip('upper.txt');
    expect(proxy.log).toEqual(expect.arrayContaining([`PUT /${s3.bucket}/proxied/upper.txt`, `HEAD /${s3.bucket}/proxied/upper.txt`, `GET /${s3.bucket}/proxied/upper.txt`]));
  });

  it('reads the lower-case forms too', async () => {
    stubProxyEnv({ http_proxy: proxy.url });
    await roundTrip('lower.txt');
    expect(proxy.log).toEqual(expect.arrayContaining([`PUT /${s3.bucket}/proxied/lower.txt`, `GET /${s3.bucket}/proxied/lower.txt`]));
  });

  it('bypasses the proxy for hosts in NO_PROXY', async () => {
    stubProxyEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' });
    await roundTrip('direct.txt');
    const client = makeS3Client(s3.region, async () => s3.credentials, { AWS_ENDPOINT_URL_S3: s3.endpoint });
    try {
      await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
    } finally {
      client.destroy();
    }
    expect(proxy.log).toEqual([]);
  });

  it('tunnels https calls, the setup client\'s and downloads\', through HTTPS_PROXY', async () => {
    stubProxyEnv({ HTTPS_PROXY: proxy.url });
    // Nothing listens at the target: the tunnel fails, but the proxy saw the calls.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const env = { AWS_ENDPOINT_URL_S3: `https://127.0.0.1:${port}` };
    const setup = makeS3Client(s3.region, async () => s3.credentials, env);
    const client = createS3Client({ region: s3.region, credentials: s3.credentials, endpoint: `https://127.0.0.1:${port}` });
    try {
      await expect(setup.send(new HeadBucketCommand({ Bucket: s3.bucket }))).rejects.toThrow();
      expect(proxy.log).toContain(`CONNECT 127.0.0.1:${port}`);
      proxy.log.length = 0;
      const storage = new S3Storage(s3.bucket, client, join(tmp, 'home'));
      const listed = { key: 'k', size: 1, etag: '0'.repeat(32), modified: 0 };
      await expect(storage.downloadFile('k', join(tmp, 'never'), { listed })).rejects.toThrow();
      expect(proxy.log).toContain(`CONNECT 127.0.0.1:${port}`);
    } finally {
      setup.destroy();
      client.destroy();
    }
  });
});
