/**
 * The transfer tools the bench sets side by side, each as the command line
 * that moves one file or one folder to or from s3rver, at the same
 * parallelism: 16 MiB parts × 8 streams for one file, 48 files at once for
 * a folder (our defaults, read from the engine so they cannot drift).
 * - ours: bench/ours-cp.ts, bundled, run by node;
 * - rclone as it comes, and with `--s3-disable-checksum --s3-no-head`, which
 *   skips the whole-file MD5 before a multipart upload and the HEAD after
 *   every PUT: work we do not do, so only that variant compares like with like;
 * - the plain AWS SDK v3 (bench/sdk-cp.ts, bundled);
 * - the AWS CLI v2 (`aws s3 cp` / `aws s3 sync`), when installed.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DOWNLOAD_CONCURRENCY, DEFAULT_DOWNLOAD_PART_SIZE } from '../main/backends/aws/s3/download';
import { DEFAULT_UPLOAD_CONCURRENCY, DEFAULT_UPLOAD_PART_SIZE } from '../main/backends/aws/s3/upload';
import { TREE_CONCURRENCY } from '../main/core/tree-transfer';
import type { S3rver } from '../test/helpers/s3rver';
import { rcloneEnv } from './rclone';

export type Op = 'upload-file' | 'download-file' | 'upload-tree' | 'download-tree';

export interface Tool {
  /** Short name shown in the table. */
  name: string;
  /** The command moving `from` to `to`: a local path and a key (file) or a key prefix ending in `/` (folder). */
  command(op: Op, from: string, to: string): { command: string; args: string[]; env: NodeJS.ProcessEnv };
  /** Runs for this transfer only, and keeps no output to verify: the server's ceiling (ceiling-get.ts). */
  ceilingOf?: Op;
}

const MiB = 1024 * 1024;
export const PART_SIZE = DEFAULT_UPLOAD_PART_SIZE;
export const PART_CONCURRENCY = DEFAULT_UPLOAD_CONCURRENCY;
if (DEFAULT_DOWNLOAD_PART_SIZE !== PART_SIZE || DEFAULT_DOWNLOAD_CONCURRENCY !== PART_CONCURRENCY) {
  console.log(`note: our download parts (${DEFAULT_DOWNLOAD_PART_SIZE / MiB} MiB × ${DEFAULT_DOWNLOAD_CONCURRENCY}) differ from upload parts; references use the upload figures.`);
}

/** The one-line way to get the AWS CLI v2 on Debian, named when it is missing. */
export const AWS_CLI_INSTALL = 'apt-get install -y awscli';

function s3Env(s3: S3rver, home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DSTACK_HOME: home,
    BENCH_S3_ENDPOINT: s3.endpoint,
    BENCH_S3_BUCKET: s3.bucket,
    BENCH_S3_REGION: s3.region,
    BENCH_S3_KEY: s3.credentials.accessKeyId,
    BENCH_S3_SECRET: s3.credentials.secretAccessKey,
    BENCH_PART_SIZE: String(PART_SIZE),
    BENCH_PART_CONCURRENCY: String(PART_CONCURRENCY),
    BENCH_TREE_CONCURRENCY: String(TREE_CONCURRENCY),
  };
}

/** A bundled node script (ours-cp or sdk-cp) as a tool. */
export function nodeTool(name: string, script: string, s3: S3rver, home: string): Tool {
  const env = s3Env(s3, home);
  return { name, command: (op, from, to) => ({ command: process.execPath, args: [script, op, from, to], env }) };
}

export function rcloneTool(s3: S3rver, fair: boolean): Tool {
  const remote = (key: string) => `s3:${s3.bucket}/${key}`;
  const fileFlags = [
    '--s3-upload-cutoff', `${PART_SIZE / MiB}M`, '--s3-chunk-size', `${PART_SIZE / MiB}M`, '--s3-upload-concurrency', String(PART_CONCURRENCY),
    '--multi-thread-cutoff', `${PART_SIZE / MiB}M`, '--multi-thread-streams', String(PART_CONCURRENCY),
  ];
  const treeFlags = ['--transfers', String(TREE_CONCURRENCY), '--checkers', String(TREE_CONCURRENCY)];
  const extra = fair ? ['--s3-disable-checksum', '--s3-no-head'] : [];
  const env = rcloneEnv(s3);
  return {
    name: fair ? 'rclone --s3-disable-checksum --s3-no-head' : 'rclone',
    command(op, from, to) {
      const args =
        op === 'upload-file' ? ['copyto', from, remote(to), ...fileFlags]
        : op === 'download-file' ? ['copyto', remote(from), to, ...fileFlags]
        : op === 'upload-tree' ? ['copy', from, remote(to), ...treeFlags]
        : ['copy', remote(from), to, ...treeFlags];
      return { command: 'env', args: ['-u', 'AWS_CA_BUNDLE', 'rclone', ...args, ...extra], env };
    },
  };
}

/** The AWS CLI v2 binary, or why there is none. */
export function findAwsCliV2(): { path: string } | { missing: string } {
  for (const path of ['/usr/bin/aws', '/usr/local/bin/aws', 'aws']) {
    try {
      const v = execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
      if (/^aws-cli\/2\./.test(v.trim())) return { path };
    } catch {
      // Not there, or not runnable: try the next place.
    }
  }
  return { missing: `AWS CLI v2 not found, so that reference is skipped; install it with \`${AWS_CLI_INSTALL}\` (Debian 12+).` };
}

/** `aws s3 cp` for one file, `aws s3 sync` for a folder, with the same part size and parallelism set in its own config file. */
export function awsCliTool(s3: S3rver, bin: string, dir: string): Tool {
  const config = (concurrency: number) => {
    const path = join(dir, `aws-config-${concurrency}`);
    writeFileSync(path, [
      '[default]', `region = ${s3.region}`, 's3 =',
      `  max_concurrent_requests = ${concurrency}`, `  multipart_threshold = ${PART_SIZE / MiB}MB`,
      `  multipart_chunksize = ${PART_SIZE / MiB}MB`, '  addressing_style = path', '',
    ].join('\n'), { mode: 0o600 });
    return path;
  };
  const fileConfig = config(PART_CONCURRENCY);
  const treeConfig = config(TREE_CONCURRENCY);
  const url = (key: string) => `s3://${s3.bucket}/${key}`;
  const base = { ...process.env };
  for (const k of ['AWS_CA_BUNDLE', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3']) delete base[k];
  return {
    name: 'AWS CLI v2',
    command(op, from, to) {
      const tree = op.endsWith('tree');
      const env = {
        ...base,
        AWS_CONFIG_FILE: tree ? treeConfig : fileConfig,
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
        AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
      };
      const [src, dst] = op.startsWith('upload') ? [from, url(to)] : [url(from), to];
      const args = ['s3', tree ? 'sync' : 'cp', src, dst, '--endpoint-url', s3.endpoint, '--only-show-errors', '--no-progress'];
      return { command: bin, args, env };
    },
  };
}
