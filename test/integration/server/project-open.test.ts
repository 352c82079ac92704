/**
 * Opening a project through `dstack server` as the browser does: a typed
 * `~/…` path is expanded, and a folder with no `.dstack/workflows` (plain, or
 * a git repo) is refused with `canInit` instead of opening as an empty
 * project; `projects.init` then creates the folder `dstack init` would.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness';

let h: Harness;
let home: string;
const savedHome = process.env.HOME;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-userhome-'));
  process.env.HOME = home;
  await mkdir(join(home, 'proj', '.dstack', 'workflows'), { recursive: true });
  await writeFile(join(home, 'proj', '.dstack', 'workflows', 'a.yaml'), 'workflows:\n  - name: a\n    provider: bash\n    commands:\n      - echo a\n');
  await mkdir(join(home, 'plain'));
  await mkdir(join(home, 'repo', 'src'), { recursive: true });
  execFileSync('git', ['init', '-q', join(home, 'repo')]);
  h = await startHarness();
});

afterAll(async () => {
  await h.close();
  process.env.HOME = savedHome;
});

describe('projects.open', () => {
  it('expands ~ in a typed path', async () => {
    const res = await h.call('projects.open', { path: '~/proj' });
    expect(res.status).toBe(200);
    expect(res.body.result).toMatchObject({ name: 'proj', displayPath: '~/proj' });
  });

  it('offers dstack init for a folder without .dstack/workflows, and init makes it a project', async () => {
    const res = await h.call('projects.open', { path: '~/plain' });
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({
      code: 'not_found',
      message: '~/plain has no .dstack/workflows folder, so it is not a dstack project yet.',
      fix: 'Create .dstack/workflows here (what `dstack init` does), then add a workflow file to it.',
      details: { canInit: true, folder: '~/plain' },
    });
    const init = await h.call('projects.init', { path: '~/plain' });
    expect(init.status).toBe(200);
    expect(init.body.result).toMatchObject({ name: 'plain', displayPath: '~/plain' });
    expect((await stat(join(home, 'plain', '.dstack', 'workflows'))).isDirectory()).toBe(true);
    expect((await h.call('projects.open', { path: '~/plain' })).status).toBe(200);
  });

  it('does not open a git repo without .dstack/workflows as an empty project: init goes to the repo root, as the CLI does', async () => {
    const res = await h.call('projects.open', { path: '~/repo/src' });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ details: { canInit: true, folder: '~/repo' } });
    expect((await h.call('projects.init', { path: '~/repo/src' })).body.result).toMatchObject({ name: 'repo', displayPath: '~/repo' });
    expect((await stat(join(home, 'repo', '.dstack', 'workflows'))).isDirectory()).toBe(true);
  });
});
