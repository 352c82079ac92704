/**
 * Child process for download-gc.test.ts: downloads one object from the
 * s3rver named in its environment and prints, as JSON, how long each full
 * (mark-compact) garbage collection took while it did. A process of its
 * own, as `dstack cp` is, so the test runner's heap does not mix in; after
 * a warm-up download, so first-use loading does not either.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { createS3Client } from '../../../main/backends/aws/s3/client';
import { S3Storage } from '../../../main/backends/aws/s3/storage';

const env = process.env;
const [key, dest, home, warmKey] = process.argv.slice(2) as [string, string, string, string];
const client = createS3Client({
  region: env.TEST_S3_REGION,
  endpoint: env.TEST_S3_ENDPOINT,
  credentials: { accessKeyId: env.TEST_S3_KEY ?? '', secretAccessKey: env.TEST_S3_SECRET ?? '' },
});
const storage = new S3Storage(env.TEST_S3_BUCKET ?? '', client, home);
// A small download first: the modules and the disk-writing thread a download loads on first use are loaded
// (and, through tsx, compiled) before counting, so what is counted is what the bytes cost, not a first start.
await storage.downloadFile(warmKey, `${dest}.warm`);
const full: number[] = [];
const gc = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) full.push(Math.round(e.duration));
  }
});
gc.observe({ entryTypes: ['gc'] });
await storage.downloadFile(key, dest);
await new Promise((resolve) => setImmediate(resolve));
gc.disconnect();
client.destroy();
console.log(JSON.stringify({ full }));
