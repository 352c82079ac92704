import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3Client } from '../../../main/backends/aws/s3/client';
import { S3Storage } from '../../../main/backends/aws/s3/storage';
import { DstackError } from '../../../main/common/errors';

const BODY = JSON.stringify({ id: 'job-1', status: 'running', padding: 'x'.repeat(4000) });

/** An S3 stand-in whose first `drops` GETs send headers and half a body, then reset the socket. */
async function flakyS3(drops: number): Promise<{ server: Server; url: string; gets: () => number }> {
  let gets = 0;
  const server = createServer((req, res) => {
    gets++;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(BODY.length), etag: '"abc"' });
    if (gets <= drops) {
      res.write(BODY.slice(0, 1000), () => req.socket.destroy());
      return;
    }
    res.end(BODY);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, gets: () => gets };
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

function storageFor(url: string): S3Storage {
  const client = createS3Client({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'K', secretAccessKey: 'S' } });
  return new S3Storage('b', client);
}

describe('S3Storage.get when the connection drops mid-body', () => {
  it('reads the record again and returns it whole', async () => {
    const s3 = await flakyS3(1);
    server = s3.server;
    const got = await storageFor(s3.url).get('jobs/p/job-1.json');
    expect(JSON.parse(got!.toString())).toMatchObject({ id: 'job-1', status: 'running' });
    expect(s3.gets()).toBe(2);
  });

  it('gives up after three tries with one sentence naming the object', async () => {
    const s3 = await flakyS3(10);
    server = s3.server;
    const err = await storageFor(s3.url).get('jobs/p/job-1.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DstackError);
    expect((err as DstackError).message).toMatch(/S3 could not be reached for s3:\/\/b\/jobs\/p\/job-1\.json/);
    expect(s3.gets()).toBe(3);
  });
});
