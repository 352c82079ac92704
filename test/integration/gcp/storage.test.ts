import { describe, expect, it } from 'vitest';
import { GcpHttp } from '../../../main/backends/gcp/http';
import { GcsStorage } from '../../../main/backends/gcp/storage';
import { DstackError } from '../../../main/common/errors';
import { keys, parseJobHead } from '../../../main/core/keys';
import { conditionalPutCases } from '../../helpers/conditional-put-cases';
import { FAST_RETRY, useGcs } from './setup';

const f = useGcs();

async function putMany(storage: GcsStorage, names: string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 50) await Promise.all(names.slice(i, i + 50).map((k) => storage.put(k, k)));
}

describe('GcsStorage against the Cloud Storage stand-in', () => {
  it('round-trips the key layout: records, job heads listed in one page, missing keys', async () => {
    const s = f.storage;
    await s.put(keys.jobRecord('org/repo', 'j1'), JSON.stringify({ id: 'j1' }));
    await s.put(keys.jobHead('org/repo', 'j1', 'running', 1700000000000), '');
    await s.put(keys.jobHead('org/repo', 'j2', 'done', 1700000000001), Buffer.from(''));
    expect(JSON.parse((await s.get(keys.jobRecord('org/repo', 'j1')))!.toString())).toEqual({ id: 'j1' });
    const heads = (await s.list(keys.jobHeadPrefix('org/repo'))).objects.map((o) => parseJobHead(o.key));
    expect(heads.map((h) => [h?.jobId, h?.status])).toEqual([['j1', 'running'], ['j2', 'done']]);
    const info = await s.head(keys.jobRecord('org/repo', 'j1'));
    expect(info).toMatchObject({ key: keys.jobRecord('org/repo', 'j1'), size: 11, etag: expect.stringMatching(/^\d+$/) });
    expect(info!.etag).toBe((await s.getWithEtag(keys.jobRecord('org/repo', 'j1')))!.etag);
    expect(await s.get('jobs/org/repo/missing.json')).toBeUndefined();
    expect(await s.getWithEtag('jobs/org/repo/missing.json')).toBeUndefined();
    expect(await s.head('jobs/org/repo/missing.json')).toBeUndefined();
    expect(s.locate('a/b')).toBe(`gs://${f.gcs.bucket}/a/b`);
  });

  it('pages past 1,000 keys with the page token, and deletes them all, missing keys included', async () => {
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

  it('lists one level with a delimiter, across pages', async () => {
    await putMany(f.storage, ['tree/a.txt', 'tree/d1/x', 'tree/d1/y', 'tree/d2/z', 'tree/e.txt']);
    const page = await f.storage.list('tree/', { delimiter: '/' });
    expect(page.objects.map((o) => o.key)).toEqual(['tree/a.txt', 'tree/e.txt']);
    expect(page.prefixes).toEqual(['tree/d1/', 'tree/d2/']);
    const entries: string[] = [];
    let token: string | undefined;
    do {
      const p = await f.storage.list('tree/', { delimiter: '/', limit: 1, token });
      entries.push(...p.objects.map((o) => o.key), ...p.prefixes);
      token = p.next;
    } while (token);
    expect(entries).toEqual(['tree/a.txt', 'tree/d1/', 'tree/d2/', 'tree/e.txt']);
  });

  it('names the fix when the bucket does not exist', async () => {
    const other = new GcsStorage({ http: f.http, endpoint: f.gcs.endpoint, bucket: 'no-such-bucket' }, f.home);
    for (const call of [() => other.put('x', 'y'), () => other.get('x'), () => other.list('')]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DstackError);
      expect(err).toMatchObject({ code: 'config', message: 'The Cloud Storage bucket "no-such-bucket" does not exist.' });
      expect((err as DstackError).fix).toMatch(/gcloud storage buckets create gs:\/\/no-such-bucket/);
    }
  });

  it('reports a rejected token as a credentials problem, and never shows the token', async () => {
    const bad = new GcsStorage({ http: new GcpHttp(async () => 'wrong-token', FAST_RETRY), endpoint: f.gcs.endpoint, bucket: f.gcs.bucket }, f.home);
    const err = await bad.get('x').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'credentials' });
    expect((err as DstackError).message).toContain('storage.objects.get');
    expect((err as DstackError).fix).toMatch(/gcloud auth application-default login/);
    expect(JSON.stringify(err) + (err as Error).message).not.toContain('wrong-token');
  });

  it('reports an unreachable endpoint as unavailable, naming the object', async () => {
    const s = new GcsStorage({ http: new GcpHttp(async () => f.gcs.token, FAST_RETRY), endpoint: 'http://127.0.0.1:9', bucket: f.gcs.bucket }, f.home);
    const err = await s.list('p/').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unavailable' });
    expect((err as DstackError).message).toContain(`gs://${f.gcs.bucket}/p/`);
  });
});

describe('GcsStorage conditional writes (ifGenerationMatch)', () => {
  conditionalPutCases(() => f.storage, 'cond');
});
