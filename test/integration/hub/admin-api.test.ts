// The hub's admin endpoints as a client sees them: stored credentials never
// come back out, a rotated token stops working at once, and a project's
// new settings reach its backend on the next call.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';

let h: HubHarness;
beforeAll(async () => {
  h = await startHubHarness();
});
afterAll(() => h?.close());

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

it('never returns stored credentials, from any endpoint that shows a project', async () => {
  const created = await h.post('projects.create', { name: 'vision', backend: 'aws', settings: { region: 'eu-west-1', bucket: 'b' }, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET } }, h.adminToken);
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const updated = await h.post('projects.update', { name: 'vision', credentials: { accessKeyId: 'AKIAEXAMPLE2', secretAccessKey: `${SECRET}2` } }, h.adminToken);
  const shown = [created, updated, await h.post('projects.get', { name: 'vision' }, h.adminToken), await h.post('projects.list', {}, h.adminToken), await h.post('me', {}, h.adminToken), await h.post('audit.list', {}, h.adminToken)];
  for (const r of shown) {
    const text = JSON.stringify(r.body);
    expect(r.status, text).toBe(200);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('AKIAEXAMPLE');
  }
  expect(created.body.result).toMatchObject({ name: 'vision', backend: 'aws', hasCredentials: true, settings: { region: 'eu-west-1', bucket: 'b' } });
});

it('a rotated token stops working at once, and the new one works', async () => {
  const first = (await h.post('users.create', { name: 'ana' }, h.adminToken)).body.result as { token: string };
  expect((await h.post('me', {}, first.token)).status).toBe(200);
  const second = (await h.post('users.rotate', { name: 'ana' }, h.adminToken)).body.result as { token: string };
  expect(second.token).not.toBe(first.token);
  const old = await h.post('me', {}, first.token);
  expect(old.status).toBe(401);
  expect(old.body.error?.message).toContain('no valid hub token');
  expect((await h.post('me', {}, second.token)).body.result).toMatchObject({ user: { name: 'ana', admin: false }, projects: [] });
});

it('the next call builds the backend from new settings; a project admin may not steer the hub\'s own cloud identity', async () => {
  expect((await h.post('projects.create', { name: 'lab', backend: 'aws', settings: { region: 'eu-west-1' } }, h.adminToken)).status).toBe(200);
  const boss = (await h.post('users.create', { name: 'boss' }, h.adminToken)).body.result as { token: string };
  expect((await h.post('members.set', { project: 'lab', user: 'boss', role: 'admin' }, h.adminToken)).status).toBe(200);
  const before = await h.post('projects/lab/ops/runs.list', { projectId: 'lab' }, boss.token);
  expect(before.body.error?.message, JSON.stringify(before.body)).toBe('Project "lab" has no bucket setting.');
  const steer = await h.post('projects.update', { name: 'lab', settings: { region: 'eu-west-1', bucket: 'someone-elses-bucket' } }, boss.token);
  expect(steer.status).toBe(403);
  expect(steer.body.error?.message).toBe('Forbidden: "lab" has no stored keys, so it runs as the hub\'s own cloud identity, and only a hub admin changes it.');
  expect((await h.post('projects.update', { name: 'lab', settings: { region: 'eu-west-1', bucket: 'lab-runs', profile: 'nobody-has-this-profile' } }, h.adminToken)).status).toBe(200);
  const after = await h.post('projects/lab/ops/runs.list', { projectId: 'lab' }, boss.token);
  // The new settings reached the backend: it now asks S3 for the new bucket (and has no credentials here), no longer
  // failing on the missing bucket; a cloud's own credentials error is a 422, never the hub's 401.
  expect(after.body.error?.details, JSON.stringify(after.body)).toMatchObject({ bucket: 'lab-runs' });
  expect(after.status).toBe(422);
});
