/**
 * CPU time per operation of our transfer engine, in this process, against
 * s3rver (a child process, so its CPU is not counted): the figure to judge
 * a change by on a machine other work keeps loaded, where wall time varies
 * from run to run and CPU time much less. Prints user+system ms per small
 * object each way and per GiB each way, with the load average.
 *
 *   node --import tsx bench/transfer-cpu.ts [--files N] [--mib N]
 */
import { randomFillSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client } from '../main/backends/aws/s3/client';
import { S3Storage } from '../main/backends/aws/s3/storage';
import { downloadTree, uploadTree } from '../main/core/tree-transfer';
import { startS3rver } from '../test/helpers/s3rver';
import { uploadItemsOf } from '../test/helpers/tree-items';
import { writeRandomFile } from '../test/integration/aws-s3/random-file';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const files = arg('--files', 2000);
const mib = arg('--mib', 256);

/** Runs `fn` and returns its user+system CPU in ms, and its wall time in ms. */
async function cpuOf(fn: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const c = process.cpuUsage();
  const t = performance.now();
  await fn();
  const d = process.cpuUsage(c);
  return { cpu: (d.user + d.system) / 1000, wall: performance.now() - t };
}

const s3 = await startS3rver({ bucket: 'cpu' });
const dir = await mkdtemp(join(tmpdir(), 'dstack-cpu-'));
const client = createS3Client({ region: s3.region, credentials: s3.credentials, endpoint: s3.endpoint });
const storage = new S3Storage(s3.bucket, client, join(dir, 'home'));
try {
  const tree = join(dir, 'tree');
  for (let d = 0; d < 20; d++) await mkdir(join(tree, `d${d}`), { recursive: true });
  for (let i = 0; i < files; i++) await writeFile(join(tree, `d${i % 20}`, `f${i}.bin`), randomFillSync(Buffer.allocUnsafe(10 * 1024)));
  const big = join(dir, 'big.bin');
  await writeRandomFile(big, mib * 1024 * 1024);
  const items = await uploadItemsOf(tree, 'tree/');
  // One warm-up object so connections and the signer exist before timing.
  await storage.uploadFile(items[0]!.path, 'warm');
  const rows: [string, { cpu: number; wall: number }, number][] = [
    ['upload small', await cpuOf(() => uploadTree(storage, items)), files],
    ['download small', await cpuOf(() => downloadTree(storage, 'tree/', join(dir, 'out'))), files],
    ['upload big', await cpuOf(() => storage.uploadFile(big, 'big.bin')), mib / 1024],
    ['download big', await cpuOf(() => storage.downloadFile('big.bin', join(dir, 'big-out.bin'))), mib / 1024],
  ];
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${files} × 10 KiB, ${mib} MiB`);
  for (const [what, m, n] of rows) {
    const unit = what.endsWith('small') ? 'object' : 'GiB';
    console.log(`${what.padEnd(15)} CPU ${(m.cpu / n).toFixed(unit === 'object' ? 3 : 0)} ms per ${unit} (wall ${(m.wall / 1000).toFixed(2)} s)`);
  }
} finally {
  client.destroy();
  await s3.stop();
  await rm(dir, { recursive: true, force: true });
}
