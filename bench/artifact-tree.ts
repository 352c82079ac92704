/**
 * Time for the artifact tree to show a folder holding 10,000 keys (issue 5),
 * against s3rver. "Show" means what the tree does on expanding a folder: the
 * same core `listArtifacts` the `artifacts.list` handler calls through
 * RunService, page after page (1,000 keys each) until there is no token.
 * The reference is `rclone lsf` of the same prefix, the same one-level
 * listing, in the same process so the ratio holds on any machine.
 *
 * Run alone: `node --import tsx bench/artifact-tree.ts [--reps N]`
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createS3Client } from '../main/backends/aws/s3/client';
import { S3Storage } from '../main/backends/aws/s3/storage';
import { listArtifacts } from '../main/core/artifacts';
import { keys } from '../main/core/keys';
import type { S3rver } from '../test/helpers/s3rver';
import { startS3rver } from '../test/helpers/s3rver';
import { rcloneEnv } from './rclone';
import { uploadTree } from '../main/core/tree-transfer';
import { uploadItemsOf } from '../test/helpers/tree-items';

export interface ArtifactTreeResult {
  keys: number;
  reps: number;
  /** Median wall time to list every page of the folder, ours. */
  oursMs: number;
  /** Median wall time of `rclone lsf` on the same prefix. */
  rcloneMs: number;
  /** ours / rclone: below 1 means we are faster. */
  ratio: number;
}

export interface ArtifactTreeOptions {
  /** Keys in the folder; 10,000 as the issue asks. */
  count?: number;
  /** Timed runs of each side, alternating; the median counts. */
  reps?: number;
}

const REPO = 'bench-repo';
const JOB_ID = 'bench-job';
const FOLDER = 'many';

/** Lists a 10,000-key artifact folder as the tree does and as rclone does; medians of `reps`. */
export async function benchArtifactTree(opts: ArtifactTreeOptions = {}): Promise<ArtifactTreeResult> {
  const count = opts.count ?? 10_000;
  const reps = Math.max(1, opts.reps ?? 3);
  const s3 = await startS3rver({ bucket: 'bench' });
  const client = createS3Client({ region: s3.region, credentials: s3.credentials, endpoint: s3.endpoint });
  const storage = new S3Storage(s3.bucket, client);
  const dir = await mkdtemp(join(tmpdir(), 'dstack-bench-tree-'));
  try {
    const local = join(dir, FOLDER);
    await mkdir(local);
    for (let i = 0; i < count; i++) await writeFile(join(local, `f${String(i).padStart(5, '0')}.txt`), `${i}\n`);
    await uploadTree(storage, await uploadItemsOf(local, keys.artifact(REPO, JOB_ID, `${FOLDER}/`)));

    const ours = async () => {
      let n = 0;
      let token: string | undefined;
      do {
        const page = await listArtifacts(storage, REPO, JOB_ID, FOLDER, token);
        n += page.entries.length;
        token = page.next;
      } while (token);
      return n;
    };
    const theirs = () => rcloneLsfCount(s3, `s3:${s3.bucket}/${keys.artifact(REPO, JOB_ID, `${FOLDER}/`)}`);

    const oursMs: number[] = [];
    const rcloneMs: number[] = [];
    for (let r = 0; r < reps; r++) {
      oursMs.push(await timedCount('ours', ours, count));
      rcloneMs.push(await timedCount('rclone lsf', theirs, count));
    }
    const o = median(oursMs);
    const t = median(rcloneMs);
    return { keys: count, reps, oursMs: o, rcloneMs: t, ratio: o / t };
  } finally {
    client.destroy();
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatArtifactTree(r: ArtifactTreeResult): string {
  return (
    `list folder of ${r.keys.toLocaleString('en')} keys (median of ${r.reps})`.padEnd(44) +
    ` ours ${r.oursMs.toFixed(1).padStart(8)} ms   rclone lsf ${r.rcloneMs.toFixed(1).padStart(8)} ms   ratio ${r.ratio.toFixed(2)}`
  );
}

/** Times `fn` and checks it saw every key, so a short listing cannot pass as a fast one. */
async function timedCount(name: string, fn: () => Promise<number>, expected: number): Promise<number> {
  const start = performance.now();
  const n = await fn();
  const ms = performance.now() - start;
  if (n !== expected) throw new Error(`${name} listed ${n} entries, expected ${expected}.`);
  return ms;
}

/** `rclone lsf remote`, counting the lines it prints. */
function rcloneLsfCount(s3: S3rver, remote: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('rclone', ['lsf', remote], { env: rcloneEnv(s3), stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      for (const b of d) if (b === 10) lines++;
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(lines) : reject(new Error(`rclone lsf ${remote} exited ${code}: ${stderr}`))));
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  const hi = s[m] ?? NaN;
  return s.length % 2 ? hi : ((s[m - 1] ?? NaN) + hi) / 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--reps');
  console.log(formatArtifactTree(await benchArtifactTree({ reps: i > 0 ? Number(process.argv[i + 1]) : undefined })));
}
