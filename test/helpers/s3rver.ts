/**
 * A real S3 stand-in for tests and benchmarks: s3rver over HTTP on
 * 127.0.0.1, on a free port, storing into a fresh temp dir. It runs in a
 * child process because it needs `--openssl-legacy-provider` (its MD5 use
 * trips OpenSSL 3) and so its CPU does not compete with the code under test
 * in one event loop. The child exits when our end of its stdin closes, so a
 * crashed test run never leaves it behind.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface S3rver {
  /** `http://127.0.0.1:{port}`: give it to createS3Client or AWS_ENDPOINT_URL_S3. */
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Where s3rver keeps the bucket, for tests that tamper with stored objects. */
  directory: string;
  /** The file s3rver stores `key` in. */
  objectPath(key: string): string;
  stop(): Promise<void>;
}

// s3rver rewrites an object in place and sizes a GET by stat(), so a GET during a PUT of the same key
// can return a cut-off body; S3 swaps whole objects atomically. The child writes each object aside and
// renames it into place, under a per-key lock that a GET also takes until it has opened the file.
// s3rver also ignores conditional PUTs; S3 answers a failed If-None-Match: * or If-Match with 412
// PreconditionFailed (and If-Match on a missing key with 404 NoSuchKey). The child checks them under the
// same per-key lock, so of many racing conditional writers exactly one wins, as on S3.
const CHILD = `
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { AsyncLocalStorage } = require('async_hooks');
const { Readable, Transform } = require('stream');
const { pipeline } = require('stream/promises');
const S3rver = require(process.env.S3RVER_MODULE);
const Store = require(path.join(path.dirname(process.env.S3RVER_MODULE), 'stores', 'filesystem.js'));
const S3Error = require(path.join(path.dirname(process.env.S3RVER_MODULE), 'models', 'error.js'));
const conditions = new AsyncLocalStorage();
async function checkCondition(store, object, cond) {
  if (!cond) return;
  const exists = await store.existsObject(object.bucket, object.key);
  if (cond.ifNoneMatch !== undefined && exists) {
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-None-Match' });
  }
  if (cond.ifMatch === undefined) return;
  if (!exists) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: object.key });
  const etag = JSON.parse((await store.getMetadata(object.bucket, object.key)).etag);
  const wanted = cond.ifMatch.split(',').map((t) => t.trim().replace(/"/g, ''));
  if (!wanted.includes(etag) && !wanted.includes('*')) {
    throw new S3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', { Condition: 'If-Match' });
  }
}
const tails = new Map();
function locked(id, fn) {
  const run = (tails.get(id) || Promise.resolve()).then(fn);
  const tail = run.then(() => undefined, () => undefined);
  tails.set(id, tail);
  tail.then(() => { if (tails.get(id) === tail) tails.delete(id); });
  return run;
}
let seq = 0;
Store.prototype.putObject = async function (object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await fs.promises.mkdir(path.dirname(objectPath), { recursive: true });
  const tmp = objectPath + '.' + ++seq + '.tmp';
  const md5 = crypto.createHash('md5');
  let size = 0;
  const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  const count = new Transform({ transform(chunk, enc, done) { md5.update(chunk); size += chunk.length; done(null, chunk); } });
  try {
    await pipeline(source, count, fs.createWriteStream(tmp));
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  const digest = md5.digest('hex');
  const cond = conditions.getStore();
  await locked(object.bucket + '/' + object.key, async () => {
    try {
      await checkCondition(this, object, cond);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    await fs.promises.rename(tmp, objectPath);
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  });
  return { size, md5: digest };
};
const getObject = Store.prototype.getObject;
Store.prototype.getObject = function (bucket, key, options) {
  return locked(bucket + '/' + key, () => getObject.call(this, bucket, key, options));
};
const deleteObject = Store.prototype.deleteObject;
Store.prototype.deleteObject = function (bucket, key) {
  return locked(bucket + '/' + key, () => deleteObject.call(this, bucket, key));
};
const server = new S3rver({
  address: '127.0.0.1', port: 0, silent: true, directory: process.env.S3RVER_DIR,
  configureBuckets: [{ name: process.env.S3RVER_BUCKET }],
});
// First in the chain: a plain PUT of an object carries its conditions to the store's putObject.
server.middleware.unshift((ctx, next) => {
  const q = ctx.query;
  const plainPut = ctx.method === 'PUT' && !('partNumber' in q) && !ctx.headers['x-amz-copy-source'];
  const cond = { ifNoneMatch: ctx.headers['if-none-match'], ifMatch: ctx.headers['if-match'] };
  if (!plainPut || (cond.ifNoneMatch === undefined && cond.ifMatch === undefined)) return next();
  return conditions.run(cond, next);
});
server.run().then((addr) => process.stdout.write(JSON.stringify({ port: addr.port }) + '\\n'), (err) => {
  process.stderr.write(String(err && err.stack || err));
  process.exit(1);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** Starts s3rver with one bucket (default `dstack-test`). */
export async function startS3rver(opts: { bucket?: string } = {}): Promise<S3rver> {
  const bucket = opts.bucket ?? 'dstack-test';
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', '-e', CHILD], {
    env: {
      PATH: process.env.PATH,
      S3RVER_MODULE: createRequire(import.meta.url).resolve('s3rver'),
      S3RVER_DIR: directory,
      S3RVER_BUCKET: bucket,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening: ${stderr}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    directory,
    objectPath: (key) => join(directory, bucket, `${key}._S3rver_object`),
    async stop() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      await rm(directory, { recursive: true, force: true });
    },
  };
}
