/**
 * The code a job runs: a snapshot of the project folder. In git it holds the
 * tracked and untracked-but-not-ignored files as they are on disk (the
 * commit plus the uncommitted diff); outside git, the whole tree but `.git`.
 * It is stored content-addressed, so an unchanged tree is not uploaded twice.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, opendir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as tarCreate, Unpack } from 'tar';
import type { ReadEntry } from 'tar';
import { DstackError } from '../common/errors';
import type { CodeRef } from '../common/job';
import type { Storage } from './backend';
import { gitFiles, gitRoot, gitState } from './git';
import { keys } from './keys';

/** One file of a snapshot: its path in the project, the mode a job sees, and its content's hash. */
export interface FileEntry {
  path: string;
  mode: number;
  sha256: string;
  size: number;
}

/**
 * Files and links under `root` but `.git`, as paths relative to it. Folders
 * wait on an explicit stack and entries stream from opendir, so a folder of
 * any size or depth grows neither the call stack nor an argument list.
 */
async function* walk(root: string): AsyncGenerator<string> {
  const folders = [''];
  for (let rel = folders.pop(); rel !== undefined; rel = folders.pop()) {
    for await (const d of await opendir(join(root, rel), { bufferSize: 256 })) {
      if (d.name === '.git') continue;
      const p = rel ? `${rel}/${d.name}` : d.name;
      // A file system that does not report entry types (DT_UNKNOWN) is asked with lstat.
      const st = d.isFile() || d.isDirectory() || d.isSymbolicLink() ? d : await lstat(join(root, p));
      if (st.isDirectory()) folders.push(p);
      else if (st.isFile() || st.isSymbolicLink()) yield p;
    }
  }
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
  const paths: string[] = [];
  for await (const p of walk(root)) paths.push(p);
  return { paths };
}

/** A snapshot of a folder before it is packed: its files (hashed), their content hash and total size, and the git state. */
export interface SnapshotPlan {
  files: FileEntry[];
  hash: string;
  bytes: number;
  git?: CodeRef['git'];
}

/** Lists and hashes what a snapshot of `root` holds, with the same files and ignores for every caller. */
export async function planSnapshot(root: string): Promise<SnapshotPlan> {
  const { paths, git } = await snapshotFiles(root);
  const files = await describe(root, paths);
  return { files, hash: contentHash(files), bytes: files.reduce((n, f) => n + f.size, 0), ...(git ? { git } : {}) };
}

/** Packs the planned files of `root` into the gzip tar at `file`, as every snapshot is stored. */
export async function packSnapshot(root: string, plan: SnapshotPlan, file: string): Promise<void> {
  await tarCreate({ gzip: true, cwd: root, file, portable: true, noDirRecurse: true }, plan.files.map((f) => `./${f.path}`));
}

/**
 * Snapshots `root` and stores it at `keys.code(repo, hash)` unless an object
 * with that hash is already there.
 */
export async function storeSnapshot(storage: Storage, repo: string, root: string): Promise<CodeRef & { uploaded: boolean }> {
  const plan = await planSnapshot(root);
  const key = keys.code(repo, plan.hash);
  const ref = { key, hash: plan.hash, files: plan.files.length, bytes: plan.bytes, ...(plan.git ? { git: plan.git } : {}) };
  if (await storage.head(key)) return { ...ref, uploaded: false };
  const dir = await mkdtemp(join(tmpdir(), 'dstack-code-'));
  try {
    const file = join(dir, 'code.tar.gz');
    await packSnapshot(root, plan, file);
    await storage.uploadFile(file, key);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return { ...ref, uploaded: true };
}

/**
 * What a snapshot may unpack to beyond the size it declared: a file can grow
 * between being hashed and being packed.
 */
const UNPACK_SLACK = 256 * 1024 * 1024;

/**
 * Unpacks a snapshot made by `storeSnapshot` into `cwd`. node-tar refuses a
 * gzip stream that expands more than 1000:1, which a file of zeros does
 * (gzip reaches ~1030:1), so a project holding one could not run. The ratio
 * says nothing about an archive we made; what bounds the disk is the size
 * the snapshot declared, so that is the cap, checked on each entry's header
 * before its bytes are written.
 */
export async function unpackSnapshot(file: string, cwd: string, code: Pick<CodeRef, 'bytes'>): Promise<void> {
  const cap = code.bytes + UNPACK_SLACK;
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const src = createReadStream(file);
    const fail = (err: unknown) => {
      src.destroy();
      reject(err);
    };
    const unpack = new Unpack({
      cwd,
      maxDecompressionRatio: Infinity,
      filter: (path: string, entry: ReadEntry | { size: number }) => {
        total += entry.size ?? 0;
        if (total <= cap) return true;
        unpack.abort(
          new DstackError('invalid_argument', `The code snapshot unpacks past the ${code.bytes} bytes it declared (at ${path.replace(/^\.\//, '')}).`, {
            fix: 'Submit the run again; if it happens again, a file in the project is growing while it is submitted.',
          }),
        );
        return false;
      },
    });
    unpack.on('error', fail);
    unpack.on('close', resolve);
    src.on('error', fail);
    src.pipe(unpack);
  });
}
