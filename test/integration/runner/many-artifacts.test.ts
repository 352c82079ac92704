// A job whose artifact folder holds a million files: the runner's own
// walk and upload (uploadArtifacts) must account for every one. The files
// are empty (no data blocks), in a tmpfs when this runs as root so the disk
// is not touched; the storage only records which keys arrived, because the
// walk and the upload pool are what is under test, not where bytes go.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../main/common/job';
import type { Storage } from '../../../main/core/backend';
import { keys } from '../../../main/core/keys';
import { uploadArtifacts } from '../../../main/runner/upload';
import { fakeJob } from '../../unit/core/fixtures';

const run = promisify(execFile);
const TOTAL = 1_000_000;
/** Two folders, each far past the ~150,000 entries that once overflowed the stack when spread into push(). */
const SPLIT = 600_000;

let dir: string;
let mounted = false;

/** Creates empty files f{from}..f{to-1} in `folder`, many per process. */
async function touchRange(folder: string, from: number, to: number): Promise<void> {
  await mkdir(folder, { recursive: true });
  await run('bash', ['-c', `seq ${from} ${to - 1} | sed 's/^/f/' | xargs touch`], { cwd: folder, maxBuffer: 1 << 20 });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-many-'));
  if (process.getuid?.() === 0) {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=64m,nr_inodes=1100000', 'tmpfs', dir]);
    mounted = true;
  }
  await touchRange(join(dir, 'out', 'a'), 0, SPLIT);
  await touchRange(join(dir, 'out', 'b', 'c'), SPLIT, TOTAL);
}, 300_000);

afterAll(async () => {
  if (mounted) await run('umount', [dir]);
  await rm(dir, { recursive: true, force: true });
});

/** Storage that records each uploaded key once; any other call (none is expected) fails the test. */
function recordingStorage(prefix: string) {
  const seen = new Uint8Array(TOTAL);
  const state = { count: 0, duplicates: 0, foreign: [] as string[], sample: new Set<string>() };
  const uploadFile: Storage['uploadFile'] = async (_local, key) => {
    const m = /^(out\/a|out\/b\/c)\/f(\d+)$/.exec(key.slice(prefix.length));
    const i = m ? Number(m[2]) : -1;
    if (!key.startsWith(prefix) || i < 0 || i >= TOTAL) return void state.foreign.push(key);
    if (seen[i]) state.duplicates++;
    seen[i] = 1;
    state.count++;
    if (i % 99_991 === 0 || i === TOTAL - 1) state.sample.add(key.slice(prefix.length));
  };
  const storage = new Proxy({ uploadFile }, {
    get: (target, name) => (name === 'uploadFile' ? target.uploadFile : () => Promise.reject(new Error(`storage.${String(name)} is not expected during an artifact upload`))),
  }) as unknown as Storage;
  return { storage, state, seen };
}

describe('artifacts at scale', () => {
  it('uploads a million files from one artifact path, each exactly once', async () => {
    const job: Job = { ...fakeJob('many-files'), artifacts: [{ path: 'out', mount: false }] };
    const prefix = keys.artifactsPrefix(job.repo, job.id);
    const { storage, state, seen } = recordingStorage(prefix);
    const started = Date.now();
    const n = await uploadArtifacts(storage, job, dir, { requireAll: true });
    const seconds = (Date.now() - started) / 1000;
    expect(state.foreign.slice(0, 5)).toEqual([]);
    expect(state.duplicates).toBe(0);
    expect(n).toBe(TOTAL);
    expect(state.count).toBe(TOTAL);
    const missing = seen.indexOf(0);
    expect(missing, `file f${missing} was never uploaded`).toBe(-1);
    expect([...state.sample].sort()).toEqual(
      [0, 99_991, 199_982, 299_973, 399_964, 499_955, 599_946, 699_937, 799_928, 899_919, 999_910, 999_999]
        .map((i) => `${i < SPLIT ? 'out/a' : 'out/b/c'}/f${i}`)
        .sort(),
    );
    console.log(`uploadArtifacts walked and uploaded ${TOTAL} files in ${seconds.toFixed(1)} s`);
  }, 600_000);
});
