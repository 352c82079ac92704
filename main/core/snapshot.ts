/**
 * The code a job runs: a snapshot of the project folder. In git it holds the
 * tracked and untracked-but-not-ignored files as they are on disk (the
 * commit plus the uncommitted diff); outside git, the whole tree but `.git`.
 * It is stored content-addressed, so an unchanged tree is not uploaded twice.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as tarCreate } from 'tar';
import type { CodeRef } from '../common/job';
import type { Storage } from './backend';
import { gitFiles, gitRoot, gitState } from './git';
import { keys } from './keys';

interface FileEntry {
  path: string;
  mode: number;
  sha256: string;
  size: number;
}

async function walk(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(join(root, rel), { withFileTypes: true })) {
    if (d.name === '.git') continue;
    const p = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await walk(root, p)));
    else if (d.isFile() || d.isSymbolicLink()) out.push(p);
  }
  return out;
}

function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('error', reject).on('data', (c) => h.update(c)).on('end', () => resolve(h.digest('hex')));
  });
}

/** Hashes each file; listed-but-deleted files (a git rm not yet committed) are skipped. */
async function describe(root: string, paths: string[]): Promise<FileEntry[]> {
  const out: FileEntry[] = [];
  for (const path of paths) {
    const abs = join(root, path);
    const st = await lstat(abs).catch(() => undefined);
    if (!st || st.isDirectory()) continue;
    const sha256 = st.isSymbolicLink()
      ? createHash('sha256').update(`link:${await readlink(abs)}`).digest('hex')
      : await sha256File(abs);
    // Only the executable bit matters to a job, and umasks differ between machines.
    const mode = st.isSymbolicLink() ? 0o120000 : st.mode & 0o111 ? 0o755 : 0o644;
    out.push({ path, mode, sha256, size: st.size });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** sha256 over the sorted (path, mode, content hash) triples: independent of mtimes and tar details. */
export function contentHash(files: readonly { path: string; mode: number; sha256: string }[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.path}\0${f.mode.toString(8)}\0${f.sha256}\n`);
  return h.digest('hex');
}

/** The files a snapshot of `root` would hold, and the git state when `root` is in a work tree. */
export async function snapshotFiles(root: string): Promise<{ paths: string[]; git?: CodeRef['git'] }> {
  if (await gitRoot(root)) {
    const paths = await gitFiles(root);
    if (paths) return { paths, git: await gitState(root) };
  }
  return { paths: await walk(root) };
}

/**
 * Snapshots `root` and stores it at `keys.code(repo, hash)` unless an object
 * with that hash is already there.
 */
export async function storeSnapshot(storage: Storage, repo: string, root: string): Promise<CodeRef & { uploaded: boolean }> {
  const { paths, git } = await snapshotFiles(root);
  const files = await describe(root, paths);
  const hash = contentHash(files);
  const key = keys.code(repo, hash);
  const ref = { key, hash, files: files.length, bytes: files.reduce((n, f) => n + f.size, 0), ...(git ? { git } : {}) };
  if (await storage.head(key)) return { ...ref, uploaded: false };
  const dir = await mkdtemp(join(tmpdir(), 'dstack-code-'));
  try {
    const file = join(dir, 'code.tar.gz');
    await tarCreate({ gzip: true, cwd: root, file, portable: true, noDirRecurse: true }, files.map((f) => `./${f.path}`));
    await storage.uploadFile(file, key);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { ...ref, uploaded: true };
}
