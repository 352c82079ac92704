import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { create as tarCreate, extract } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeSnapshot, snapshotFiles, unpackSnapshot } from '../../../main/core/snapshot';
import type { LocalStorage } from '../../../main/backends/local/storage';
import { REPO, tempDir, tempStorage } from './fixtures';

let storage: LocalStorage;
let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ storage, dir, cleanup } = await tempStorage());
});
afterEach(() => cleanup());

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'pipe' }).toString();

async function gitProject(): Promise<string> {
  const root = join(dir, 'proj');
  await mkdir(join(root, 'src'), { recursive: true });
  await writeFile(join(root, '.gitignore'), 'data/\n*.log\n');
  await writeFile(join(root, 'src', 'train.py'), 'print(1)\n');
  await writeFile(join(root, 'gone.txt'), 'x');
  git(root, 'init', '-q');
  git(root, 'add', '.');
  git(root, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'init');
  await rm(join(root, 'gone.txt'));
  await writeFile(join(root, 'new.txt'), 'untracked\n');
  await mkdir(join(root, 'data'));
  await writeFile(join(root, 'data', 'big.bin'), 'ignored');
  await writeFile(join(root, 'run.log'), 'ignored');
  return root;
}

describe('code snapshots', () => {
  it('hold tracked and untracked files in git, honouring .gitignore and skipping deleted ones', async () => {
    const root = await gitProject();
    const { paths, git: state } = await snapshotFiles(root);
    expect(paths.sort()).toEqual(['.gitignore', 'gone.txt', 'new.txt', 'src/train.py']);
    expect(state?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(state?.dirty).toBe(true);
    const ref = await storeSnapshot(storage, REPO, root);
    expect(ref.files).toBe(3);
    const out = join(dir, 'out');
    await mkdir(out);
    await storage.downloadFile(ref.key, join(dir, 'code.tgz'));
    await extract({ file: join(dir, 'code.tgz'), cwd: out });
    expect(await readFile(join(out, 'new.txt'), 'utf8')).toBe('untracked\n');
    expect(await readFile(join(out, 'src', 'train.py'), 'utf8')).toBe('print(1)\n');
  });

  it('are not uploaded twice for an unchanged tree, and change with the content', async () => {
    const root = await gitProject();
    const first = await storeSnapshot(storage, REPO, root);
    const stored = await storage.head(first.key);
    const again = await storeSnapshot(storage, REPO, root);
    expect(first.uploaded).toBe(true);
    expect(again).toEqual({ ...first, uploaded: false });
    expect(await storage.head(first.key)).toEqual(stored);
    await writeFile(join(root, 'new.txt'), 'changed\n');
    const changed = await storeSnapshot(storage, REPO, root);
    expect(changed.hash).not.toBe(first.hash);
    expect(changed.uploaded).toBe(true);
  });

  it('copy the working tree outside git, without .git', async () => {
    const t = await tempDir();
    try {
      await mkdir(join(t.dir, '.git'), { recursive: true });
      await writeFile(join(t.dir, '.git', 'HEAD'), 'x');
      await mkdir(join(t.dir, '.dstack'));
      await writeFile(join(t.dir, '.dstack', 'workflows.yaml'), 'workflows: []\n');
      await writeFile(join(t.dir, 'a.txt'), 'a');
      const { paths, git: state } = await snapshotFiles(t.dir);
      expect(paths.sort()).toEqual(['.dstack/workflows.yaml', 'a.txt']);
      expect(state).toBeUndefined();
    } finally {
      await t.cleanup();
    }
  });

  it('list a folder of 200,000 files outside git', async () => {
    const root = join(dir, 'many');
    const frames = join(root, 'data', 'frames');
    await mkdir(frames, { recursive: true });
    // In a tmpfs when root, so neither the disk nor the cleanup has to handle 200,000 inodes.
    const mounted = process.getuid?.() === 0;
    if (mounted) execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,nr_inodes=250000', 'tmpfs', frames]);
    try {
      await writeFile(join(root, 'train.sh'), 'true\n');
      // Empty files, many per process: 200,000 once overflowed the stack when a subfolder's list was spread into push().
      execFileSync('bash', ['-c', 'seq 0 199999 | sed s/^/f/ | xargs touch'], { cwd: frames });
      const { paths } = await snapshotFiles(root);
      expect(paths.length).toBe(200_001);
      expect(new Set(paths).size).toBe(200_001);
      expect(paths).toContain('train.sh');
      expect(paths).toContain('data/frames/f0');
      expect(paths).toContain('data/frames/f199999');
    } finally {
      if (mounted) execFileSync('umount', [frames]);
    }
  }, 120_000);

  it('refuse to unpack past the size the snapshot declared, before writing the file', async () => {
    const root = join(dir, 'zeros');
    await mkdir(root);
    // Sparse: 300 MB of zeros without data blocks; gzip shrinks it far past node-tar's 1000:1 default ratio.
    await writeFile(join(root, 'zeros.bin'), '');
    await truncate(join(root, 'zeros.bin'), 300 * 1024 * 1024);
    const tarball = join(dir, 'zeros.tgz');
    await tarCreate({ gzip: true, cwd: root, file: tarball, portable: true }, ['./zeros.bin']);
    await rm(join(root, 'zeros.bin'));
    const capped = join(dir, 'capped');
    await mkdir(capped);
    await expect(unpackSnapshot(tarball, capped, { bytes: 1000 })).rejects.toThrow('The code snapshot unpacks past the 1000 bytes it declared (at zeros.bin).');
    await expect(readFile(join(capped, 'zeros.bin'))).rejects.toThrow(/ENOENT/);
  }, 60_000);
});
