import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LocalLogs } from '../../../main/backends/local/logs';
import type { Job } from '../../../main/common/job';
import { finished, runFixture } from './fixtures/run';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-follow-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('follows a log live while another process writes it, and reads it complete', async () => {
  const root = join(dir, 'logs');
  const job = { repo: 'acme/app', id: 'calm-owl-3,train,0' } as Job;
  const child = runFixture('log-writer.ts', [root, job.repo, job.id, '40', '15'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let exited = false;
  const result = finished(child).then((r) => {
    exited = true;
    return r;
  });

  const texts: string[] = [];
  let exitedAtFirstBatch: boolean | undefined;
  for await (const batch of new LocalLogs(root).read(job, { follow: true, isDone: async () => exited })) {
    exitedAtFirstBatch ??= exited;
    texts.push(...batch.map((e) => `${e.stream}:${e.text}`));
  }
  const { code, stderr } = await result;
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(exitedAtFirstBatch).toBe(false);
  const expected = Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'stderr' : 'stdout'}:line ${i}`);
  expect(texts).toEqual(expected);

  // A second client reading the finished log later sees the same, in order.
  const again: string[] = [];
  for await (const batch of new LocalLogs(root).read(job)) again.push(...batch.map((e) => `${e.stream}:${e.text}`));
  expect(again).toEqual(expected);
});
