import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createS3Client } from '../../../main/backends/aws/s3/client';
import { S3Storage } from '../../../main/backends/aws/s3/storage';
import { DstackError } from '../../../main/common/errors';
import { keys, parseJobHead } from '../../../main/core/keys';
import { useS3 } from './setup';

const f = useS3();

async function putMany(storage: S3Storage, names: string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((k) => storage.put(k, k)));
}

describe('S3Storage against s3rver', () => {
  it('round-trips the key layout: records, job heads listed in one page, missing keys', async () => {
    const s = f.storage;
    await s.put(keys.jobRecord('org/repo', 'j1'), JSON.stringify({ id: 'j1' }));
    await s.put(keys.jobHead('org/repo', 'j1', 'running', 1700000000000), '');
    await s.put(keys.jobHead('org/repo', 'j2', 'done', 1700000000001), Buffer.from(''));
    expect(JSON.parse((await s.get(keys.jobRecord('org/repo', 'j1')))!.toString())).toEqual({ id: 'j1' });
    const heads = (await s.list(keys.jobHeadPrefix('org/repo'))).objects.map((o) => parseJobHead(o.key));
    expect(heads.map((h) => [h?.jobId, h?.status])).toEqual([['j1', 'running'], ['j2', 'done']]);
    const info = await s.head(keys.jobRecord('org/repo', 'j1'));
    expect(info).toMatchObject({ size: 11, etag: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(await s.get('jobs/org/repo/missing.json')).toBeUndefined();
    expect(await s.head('jobs/org/repo/missing.json')).toBeUndefined();
  });

  it('pages past 1,000 keys with the continuation token, and deletes more than one batch', async () => {
    const names = Array.from({ length: 1105 }, (_, i) => `many/k${String(i).padStart(5, '0')}`);
    await putMany(f.storage, names);
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await f.storage.list('many/', { token });
      seen.push(...page.objects.map((o) => o.key));
      token = page.next;
      pages++;
    } while (token);
    expect(pages).toBe(2);
    expect(seen).toEqual(names);
    const small = await f.storage.list('many/', { limit: 100 });
    expect(small.objects).toHaveLength(100);
    expect(small.next).toBeDefined();
    await f.storage.delete([...names, 'many/never-existed']);
    expect((await f.storage.list('many/')).objects).toEqual([]);
  });

  it('lists one level with a delimiter', async () => {
    await putMany(f.storage, ['tree/a.txt', 'tree/d1/x', 'tree/d1/y', 'tree/d2/z']);
    const page = await f.storage.list('tree/', { delimiter: '/' });
    expect(page.objects.map((o) => o.key)).toEqual(['tree/a.txt']);
    expect(page.prefixes).toEqual(['tree/d1/', 'tree/d2/']);
  });

  it('names the fix when the bucket does not exist', async () => {
    const other = new S3Storage('no-such-bucket', f.client);
    const err = await other.put('x', 'y').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DstackError);
    expect(err).toMatchObject({ code: 'config', message: 'The S3 bucket "no-such-bucket" does not exist.' });
    expect((err as DstackError).fix).toMatch(/dstack config aws/);
  });

  it('reports rejected keys as a credentials problem', async () => {
    const client = createS3Client({ region: 'us-east-1', endpoint: f.s3.endpoint, credentials: { accessKeyId: 'WRONG', secretAccessKey: 'nope' } });
    const err = await new S3Storage(f.s3.bucket, client).get('x').catch((e: unknown) => e);
    client.destroy();
    expect(err).toMatchObject({ code: 'credentials', message: 'AWS rejected the credentials (InvalidAccessKeyId).' });
  });

  it('reports an unreachable endpoint as unavailable', async () => {
    const client = createS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: f.s3.credentials });
    const err = await new S3Storage(f.s3.bucket, client).list('').catch((e: unknown) => e);
    client.destroy();
    expect(err).toMatchObject({ code: 'unavailable' });
    expect((err as DstackError).message).toContain(`s3://${f.s3.bucket}/`);
  });

  it('honours AWS_PROFILE and AWS_REGION, and an explicit profile over them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aws-config-'));
    await writeFile(
      join(dir, 'credentials'),
      `[dev]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n[stale]\naws_access_key_id = STALE\naws_secret_access_key = nope\n`,
    );
    await writeFile(join(dir, 'config'), '');
    const env = {
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), AWS_CONFIG_FILE: join(dir, 'config'),
      AWS_PROFILE: 'dev', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_S3: f.s3.endpoint,
      AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined,
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    try {
      const client = createS3Client();
      expect(await client.config.region()).toBe('eu-west-1');
      await new S3Storage(f.s3.bucket, client).put('env/profile', 'from dev');
      expect((await f.storage.get('env/profile'))?.toString()).toBe('from dev');
      client.destroy();
      const stale = createS3Client({ profile: 'stale' });
      const err = await new S3Storage(f.s3.bucket, stale).get('env/profile').catch((e: unknown) => e);
      stale.destroy();
      expect(err).toMatchObject({ code: 'credentials' });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL'])('honours %s, with path-style addressing', async (name) => {
    const saved = process.env[name];
    process.env[name] = f.s3.endpoint;
    try {
      const client = createS3Client({ region: 'us-east-1', credentials: f.s3.credentials });
      const s = new S3Storage(f.s3.bucket, client);
      await s.put(`env/${name}`, 'via env');
      expect((await f.storage.get(`env/${name}`))?.toString()).toBe('via env');
      client.destroy();
    } finally {
      if (saved === undefined) delete process.env[name];
      else process.env[name] = saved;
    }
  });
});
