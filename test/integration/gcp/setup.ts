/**
 * Shared fixtures for the GCP backend's tests: a Cloud Storage stand-in per
 * test file, and storage pointed at it through the backend's own REST layer.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { GcpHttp } from '../../../main/backends/gcp/http';
import { GcsStorage } from '../../../main/backends/gcp/storage';
import type { GcsStandin } from '../../helpers/gcs-standin';
import { startGcsStandin } from '../../helpers/gcs-standin';

export interface GcsFixture {
  gcs: GcsStandin;
  http: GcpHttp;
  storage: GcsStorage;
  tmp: string;
  /** The storage's DSTACK_HOME: downloads stage partial files in its `staging` folder. */
  home: string;
}

/** Short retry pauses: the stand-in is local, and a test that injects faults should not wait seconds. */
export const FAST_RETRY = [20, 50, 100];

export function useGcs(): GcsFixture {
  const f = {} as GcsFixture;
  beforeAll(async () => {
    f.gcs = await startGcsStandin();
    f.http = new GcpHttp(async () => f.gcs.token, FAST_RETRY);
    f.tmp = await mkdtemp(join(tmpdir(), 'dstack-gcs-test-'));
    f.home = join(f.tmp, 'home');
    f.storage = new GcsStorage({ http: f.http, endpoint: f.gcs.endpoint, bucket: f.gcs.bucket }, f.home);
  });
  afterAll(async () => {
    await f.gcs?.stop();
    if (f.tmp) await rm(f.tmp, { recursive: true, force: true });
  });
  return f;
}

export async function randomFile(dir: string, name: string, size: number): Promise<{ path: string; data: Buffer }> {
  const data = randomBytes(size);
  const path = join(dir, name);
  await writeFile(path, data);
  return { path, data };
}

export const MiB = 1024 * 1024;
