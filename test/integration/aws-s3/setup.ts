/**
 * Shared fixtures for the S3 tests: one s3rver per test file, a client and
 * storage pointed at it through a counting proxy, so a test can see how
 * many requests of each operation really reached the server (downloads send
 * their GETs without the SDK, so its middleware would not see them).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { createS3Client } from '../../../main/backends/aws/s3/client';
import { S3Storage } from '../../../main/backends/aws/s3/storage';
import { createLocalBackend } from '../../../main/backends/local/index';
import type { Backend } from '../../../main/core/backend';
import type { S3rver } from '../../helpers/s3rver';
import { startS3rver } from '../../helpers/s3rver';
import type { S3Traffic } from '../../helpers/s3-traffic';
import { startS3Traffic } from '../../helpers/s3-traffic';

export interface Fixture {
  s3: S3rver;
  client: S3Client;
  storage: S3Storage;
  /** Requests sent, by SDK command name (e.g. `GetObjectCommand`). */
  counts: Map<string, number>;
  /** Most requests of one command in flight at once. */
  peak: Map<string, number>;
  /** The proxy the client talks through; set `beforeForward` to act between requests. */
  traffic: S3Traffic;
  tmp: string;
  /** The storage's DSTACK_HOME: downloads stage partial files in its `staging` folder. */
  home: string;
}

/** Starts s3rver for the file's tests and stops it after them. */
export function useS3(): Fixture {
  const f = {} as Fixture;
  beforeAll(async () => {
    f.s3 = await startS3rver();
    f.traffic = await startS3Traffic(f.s3.endpoint, f.s3.credentials);
    f.counts = f.traffic.counts;
    f.peak = f.traffic.peak;
    f.client = createS3Client({ region: f.s3.region, credentials: f.s3.credentials, endpoint: f.traffic.endpoint });
    f.tmp = await mkdtemp(join(tmpdir(), 'dstack-s3-test-'));
    f.home = join(f.tmp, 'home');
    f.storage = new S3Storage(f.s3.bucket, f.client, f.home);
  });
  afterAll(async () => {
    f.client?.destroy();
    await f.traffic?.stop();
    await f.s3?.stop();
    if (f.tmp) await rm(f.tmp, { recursive: true, force: true });
  });
  return f;
}

/**
 * A local backend whose storage is the fixture's S3 storage (secrets, logs
 * and runners stay local), so the cases a local test file runs on real files
 * run here on S3; made once for the file, after `useS3`'s setup.
 */
export function useLocalBackendOnS3(f: Fixture): () => Backend {
  let backend: Backend;
  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'dstack-s3-backend-'));
    backend = Object.assign(Object.create(createLocalBackend({ type: 'local', home })) as Backend, { storage: f.storage });
  });
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });
  return () => backend;
}

/** Forgets the request counts, so a test counts only its own requests. */
export function resetCounts(f: Fixture): void {
  f.counts.clear();
  f.peak.clear();
}

/** Writes `size` random bytes to a new file and returns its path and content. */
export async function randomFile(dir: string, name: string, size: number): Promise<{ path: string; data: Buffer }> {
  const data = randomBytes(size);
  const path = join(dir, name);
  await writeFile(path, data);
  return { path, data };
}

export const MiB = 1024 * 1024;
