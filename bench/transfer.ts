/**
 * Artifact transfer throughput, ours against rclone, on the same s3rver and
 * the same data, through the code the app and the runner use: one large
 * file (1 GiB) and many small ones (10,000 × 10 KiB).
 * rclone runs with the same parallelism as ours (streams per file, files at
 * once) so the ratio compares engines, not settings. Each direction uses the
 * same source objects for both clients.
 *
 * Run alone: `node --import tsx bench/transfer.ts [--small] [--rounds N]`
 * (--small: 128 MiB and 1,000 files, for a quick check).
 */
import { randomFillSync } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createS3Client } from '../main/backends/aws/s3/client';
import { DEFAULT_DOWNLOAD_CONCURRENCY, DEFAULT_DOWNLOAD_PART_SIZE } from '../main/backends/aws/s3/download';
import { S3Storage } from '../main/backends/aws/s3/storage';
import { DEFAULT_UPLOAD_CONCURRENCY, DEFAULT_UPLOAD_PART_SIZE } from '../main/backends/aws/s3/upload';
import { downloadTree, TREE_CONCURRENCY, uploadTree } from '../main/core/tree-transfer';
import { startS3rver } from '../test/helpers/s3rver';
import { uploadItemsOf } from '../test/helpers/tree-items';
import { rclone } from './rclone';

export interface TransferBenchRow {
  name: string;
  unit: 'MB/s' | 'files/s';
  ours: number;
  rclone: number;
  /** ours / rclone: above 1 means we are faster. */
  ratio: number;
}

export interface TransferBenchOptions {
  /** 128 MiB and 1,000 files instead of 1 GiB and 10,000. */
  small?: boolean;
  /** Runs per measurement, alternating ours and rclone's; the best of each counts. */
  rounds?: number;
}

const MiB = 1024 * 1024;

/** Measures upload and download of one large file and of many small files, ours and rclone's. */
export async function benchTransfer(opts: TransferBenchOptions = {}): Promise<TransferBenchRow[]> {
  const bigSize = opts.small ? 128 * MiB : 1024 * MiB;
  const fileCount = opts.small ? 1000 : 10_000;
  const rounds = Math.max(1, opts.rounds ?? 1);
  const s3 = await startS3rver({ bucket: 'bench' });
  const client = createS3Client({ region: s3.region, credentials: s3.credentials, endpoint: s3.endpoint });
  const storage = new S3Storage(s3.bucket, client);
  const dir = await mkdtemp(join(tmpdir(), 'dstack-bench-'));
  const remote = (key: string) => `s3:${s3.bucket}/${key}`;
  const bigFlags = [
    '--s3-upload-cutoff', `${DEFAULT_UPLOAD_PART_SIZE / MiB}M`, '--s3-chunk-size', `${DEFAULT_UPLOAD_PART_SIZE / MiB}M`,
    '--s3-upload-concurrency', String(DEFAULT_UPLOAD_CONCURRENCY),
    '--multi-thread-cutoff', `${DEFAULT_DOWNLOAD_PART_SIZE / MiB}M`, '--multi-thread-streams', String(DEFAULT_DOWNLOAD_CONCURRENCY),
  ];
  const treeFlags = ['--transfers', String(TREE_CONCURRENCY), '--checkers', String(TREE_CONCURRENCY)];
  const rows: TransferBenchRow[] = [];
  const row = (name: string, unit: TransferBenchRow['unit'], amount: number, ours: number, theirs: number) => {
    const r = { name, unit, ours: amount / ours, rclone: amount / theirs, ratio: theirs / ours };
    rows.push(r);
    console.log(`${name.padEnd(34)} ours ${r.ours.toFixed(1).padStart(8)} ${unit}   rclone ${r.rclone.toFixed(1).padStart(8)} ${unit}   ratio ${r.ratio.toFixed(2)}`);
  };
  try {
    const big = join(dir, 'big.bin');
    await writeRandom(big, bigSize);
    const tree = join(dir, 'tree');
    await writeTree(tree, fileCount, 10 * 1024);
    const mb = bigSize / 1e6;
    const label = `${bigSize / MiB} MiB file`;

    // Best of `rounds` for each side, alternating, so a burst of load from
    // elsewhere on the machine does not decide the ratio.
    // Downloads are removed after each run, outside the timing.
    const pair = async (
      name: string, unit: TransferBenchRow['unit'], amount: number,
      ours: (r: number) => Promise<unknown>, theirs: (r: number) => Promise<unknown>, outputs: string[] = [],
    ) => {
      let o = Infinity;
      let t = Infinity;
      for (let r = 0; r < rounds; r++) {
        o = Math.min(o, await timed(() => ours(r)));
        t = Math.min(t, await timed(() => theirs(r)));
        for (const out of outputs) await rm(out, { recursive: true, force: true });
      }
      row(name, unit, amount, o, t);
    };
    await pair(
      `upload ${label}`, 'MB/s', mb,
      (r) => storage.uploadFile(big, `ours/big-${r}.bin`),
      (r) => rclone(s3, ['copyto', big, remote(`rclone/big-${r}.bin`), ...bigFlags]),
    );
    await pair(
      `download ${label}`, 'MB/s', mb,
      () => storage.downloadFile('ours/big-0.bin', join(dir, 'big-ours.bin')),
      () => rclone(s3, ['copyto', remote('ours/big-0.bin'), join(dir, 'big-rclone.bin'), ...bigFlags]),
      [join(dir, 'big-ours.bin'), join(dir, 'big-rclone.bin')],
    );
    const treeLabel = `${fileCount.toLocaleString('en')} files of 10 KiB`;
    await pair(
      `upload ${treeLabel}`, 'files/s', fileCount,
      async (r) => uploadTree(storage, await uploadItemsOf(tree, `ours/tree-${r}/`)),
      (r) => rclone(s3, ['copy', tree, remote(`rclone/tree-${r}/`), ...treeFlags]),
    );
    await pair(
      `download ${treeLabel}`, 'files/s', fileCount,
      () => downloadTree(storage, 'ours/tree-0/', join(dir, 'tree-ours')),
      () => rclone(s3, ['copy', remote('ours/tree-0/'), join(dir, 'tree-rclone'), ...treeFlags]),
      [join(dir, 'tree-ours'), join(dir, 'tree-rclone')],
    );
  } finally {
    client.destroy();
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function writeRandom(path: string, size: number): Promise<void> {
  const fh = await open(path, 'w');
  const chunk = Buffer.allocUnsafe(16 * MiB);
  try {
    for (let pos = 0; pos < size; pos += chunk.length) {
      const len = Math.min(chunk.length, size - pos);
      await fh.write(randomFillSync(chunk, 0, len), 0, len, pos);
    }
  } finally {
    await fh.close();
  }
}

async function writeTree(dir: string, count: number, size: number): Promise<void> {
  for (let d = 0; d < 100; d++) await mkdir(join(dir, `d${d}`), { recursive: true });
  for (let i = 0; i < count; i++) await writeFile(join(dir, `d${i % 100}`, `f${i}.bin`), randomFillSync(Buffer.allocUnsafe(size)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--rounds');
  await benchTransfer({ small: process.argv.includes('--small'), rounds: i > 0 ? Number(process.argv[i + 1]) : undefined });
}
