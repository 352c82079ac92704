// The app's state file on real disk: a damaged one is kept aside (not
// overwritten by the next save) with one warning, and saves never tear it,
// even with two writers at once.
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RecentProject } from '../../../main/service/app-state';
import { AppState } from '../../../main/service/app-state';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-appstate-'));
});
afterEach(() => rm(home, { recursive: true, force: true }));

const project = (n: number): RecentProject => ({ id: `p${n}`, root: `/work/p${n}`, name: `p${n}`, openedAt: n });

describe('app state file', () => {
  it('keeps a truncated state.json aside with one warning, and the next save does not overwrite it', async () => {
    await new AppState(home).update((s) => ({ ...s, projects: [project(1), project(2)] }));
    const file = join(home, 'app', 'state.json');
    const good = await readFile(file, 'utf8');
    const cut = good.slice(0, good.length - 20);
    await writeFile(file, cut);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const state = new AppState(home);
      expect((await state.read()).projects).toEqual([]);
      await state.update((s) => ({ ...s, projects: [project(3)] }));
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringMatching(/state\.json could not be read \(it is not valid JSON \(cut off\?\)\); kept it as .*state\.json\.bad-.*, and started with no recent projects\./),
      ]);
    } finally {
      warn.mockRestore();
    }
    const aside = (await readdir(join(home, 'app'))).filter((f) => f.startsWith('state.json.bad-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(home, 'app', aside[0]!), 'utf8')).toBe(cut);
    expect((await new AppState(home).read()).projects).toEqual([project(3)]);
  });

  it('keeps the recent projects of a good state, and a state of the wrong shape is kept aside too', async () => {
    await mkdir(join(home, 'app'), { recursive: true });
    await writeFile(join(home, 'app', 'state.json'), JSON.stringify({ projects: [project(1), project(2)], window: { width: 800, height: 600 } }));
    expect((await new AppState(home).read()).projects).toEqual([project(1), project(2)]);
    await writeFile(join(home, 'app', 'state.json'), JSON.stringify({ projects: [{ id: 'p1' }] }));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect((await new AppState(home).read()).projects).toEqual([]);
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringContaining('field "projects.0.root"')]);
    } finally {
      warn.mockRestore();
    }
  });

  it('never leaves a torn state.json when two app states save at once', async () => {
    const a = new AppState(home);
    const b = new AppState(home);
    const states = [[project(1)], Array.from({ length: 40 }, (_, i) => project(i))];
    const saves = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).update((s) => ({ ...s, projects: states[i % 2]! }))),
    );
    expect(saves.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const saved = JSON.parse(await readFile(join(home, 'app', 'state.json'), 'utf8')) as { projects: RecentProject[] };
    expect(states).toContainEqual(saved.projects);
    expect((await readdir(join(home, 'app'))).filter((f) => f !== 'state.json')).toEqual([]);
  });
});
