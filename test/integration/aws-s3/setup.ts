/**
 * Shared fixtures for the S3 tests: one s3rver per test file, a client and
 * storage pointed at it, and a per-command counter hooked into the SDK so a
 * test can see how many requests really went out.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { createS3Client } from '../../../main/backends/aws/s3/client';
import { S3Storage } from '../../../main/backends/aws/s3/storage';
import type { S3rver } from '../../helpers/s3rver';
import { startS3rver } from '../../helpers/s3rver';

export interface Fixture {
  s3: S3rver;
  client: S3Client;
  storage: S3Storage;
  /** Requests sent, by SDK command name (e.g. `GetObjectCommand`). */
  counts: Map<string, number>;
  /** Most requests of one command in flight at once. */
  peak: Map<string, number>;
  tmp: string;
}

/** Starts s3rver for the file's tests and stops it after them. */
export function useS3(): Fixture {
  const f = { counts: new Map(), peak: new Map() } as Fixture;
  beforeAll(async () => {
    f.s3 = await startS3rver();
    f.client = createS3Client({ region: f.s3.region, credentials: f.s3.credentials, endpoint: f.s3.endpoint });
    const inFlight = new Map<string, number>();
    f.client.middlewareStack.add(
      (next, ctx) => async (args) => {
        const name = ctx.commandName ?? '?';
        f.counts.set(name, (f.counts.get(name) ?? 0) + 1);
        inFlight.set(name, (inFlight.get(name) ?? 0) + 1);
        f.peak.set(name, Math.max(f.peak.get(name) ?? 0, inFlight.get(name)!));
        try {
          return await next(args);
        } finally {
          inFlight.set(name, inFlight.get(name)! - 1);
        }
      },
      { step: 'initialize', name: 'countCommands' },
    );
    f.storage = new S3Storage(f.s3.bucket, f.client);
    f.tmp = await mkdtemp(join(tmpdir(), 'dstack-s3-test-'));
  });
  afterAll(async () => {
    f.client?.destroy();
    await f.s3?.stop();
    if (f.tmp) await rm(f.tmp, { recursive: true, force: true });
  });
  return f;
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
