import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findProjectRoot, openProject, repoIdOf } from '../../../main/core/project';
import { tempDir } from './fixtures';

const sha8 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);
let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});

describe('projects', () => {
  it('find the nearest folder with .dstack from a subfolder', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const root = join(dir, 'proj');
    await mkdir(join(root, '.dstack'), { recursive: true });
    await mkdir(join(root, 'src', 'deep'), { recursive: true });
    expect(await findProjectRoot(join(root, 'src', 'deep'))).toBe(root);
  });

  it('name the repo by folder name and a hash of the path outside git', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const root = join(dir, 'my proj');
    await mkdir(join(root, '.dstack'), { recursive: true });
    expect(await openProject(root)).toEqual({ root, repo: `my_proj-${sha8(root)}` });
  });

  it('hash the git remote, so every clone of a project shares its runs', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const ids: string[] = [];
    for (const clone of ['a', 'b']) {
      const root = join(dir, clone, 'hello');
      await mkdir(join(root, '.dstack'), { recursive: true });
      execFileSync('git', ['init', '-q'], { cwd: root });
      execFileSync('git', ['remote', 'add', 'origin', 'https://example.com/me/hello.git'], { cwd: root });
      ids.push(await repoIdOf(root));
    }
    expect(ids[0]).toBe(`hello-${sha8('https://example.com/me/hello.git')}`);
    expect(ids[1]).toBe(ids[0]);
  });

  it('refuse a folder that is no project, with the fix', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await expect(findProjectRoot(dir)).rejects.toThrow(/^No dstack project at .*: no \.dstack folder here or above\.$/);
  });
});
