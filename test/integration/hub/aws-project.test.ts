// An AWS project's stored keys reach its backend in memory: the hub lists
// the project's runs in the S3 stand-in with the keys an admin stored, with
// no AWS keys or profile in the hub's own environment. Wrong stored keys
// are the cloud's refusal (422, with the AWS reason), never the hub's 401.
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { S3rver } from '../../helpers/s3rver';
import { startS3rver } from '../../helpers/s3rver';
import type { HubHarness } from './hub-harness';
import { stubHubAwsEnv } from './hub-aws-env';
import { startHubHarness } from './hub-harness';

let s3: S3rver;
let h: HubHarness;
beforeAll(async () => {
  s3 = await startS3rver();
  stubHubAwsEnv({ s3: s3.endpoint });
  h = await startHubHarness();
});
afterAll(async () => {
  await h?.close();
  await s3?.stop();
  vi.unstubAllEnvs();
});

const settings = () => ({ region: s3.region, bucket: s3.bucket });

it("lists an AWS project's runs with the keys stored for it, and the hub's own environment has none", async () => {
  expect((await h.post('projects.create', { name: 'vision', backend: 'aws', settings: settings(), credentials: s3.credentials }, h.adminToken)).status).toBe(200);
  const r = await h.post('projects/vision/ops/runs.list', { projectId: 'vision' }, h.adminToken);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  expect(r.body.result).toEqual([]);
  const tags = await h.post('projects/vision/ops/tags.list', { projectId: 'vision' }, h.adminToken);
  expect(tags.status, JSON.stringify(tags.body)).toBe(200);
});

it('wrong stored keys are the cloud refusing (422), and keys that lack a half name the fix', async () => {
  expect((await h.post('projects.create', { name: 'wrong', backend: 'aws', settings: settings(), credentials: { accessKeyId: 'AKIAWRONGWRONGWRONG1', secretAccessKey: 'nope' } }, h.adminToken)).status).toBe(200);
  const wrong = await h.post('projects/wrong/ops/runs.list', { projectId: 'wrong' }, h.adminToken);
  expect(wrong.status, JSON.stringify(wrong.body)).toBe(422);
  expect((await h.post('projects.create', { name: 'half', backend: 'aws', settings: settings(), credentials: { accessKeyId: 'AKIAHALF' } }, h.adminToken)).status).toBe(200);
  const half = await h.post('projects/half/ops/runs.list', { projectId: 'half' }, h.adminToken);
  expect(half.body.error).toMatchObject({
    message: 'Project "half" has stored credentials without accessKeyId and secretAccessKey.',
    fix: 'A hub admin stores both: projects.update with credentials {accessKeyId, secretAccessKey}.',
  });
});
