/**
 * `dstack config aws`: the first-run wizard's AWS steps for a terminal.
 * It checks the credentials, the bucket and the permissions, then writes
 * `~/.dstack/config.yaml`. A config whose credentials lack actions the app
 * needs is not saved (every run would fail later, far from the cause)
 * unless the user says --force. The AWS SDK is imported inside the action
 * so that other commands start without loading it.
 */
import { Command } from 'commander';
import { DstackError, InvalidArgumentError } from '../../common/errors';
import type { AwsClients } from '../../backends/aws/clients';
import type { CliContext } from '../context';
import { table } from '../output';
import { chooseCredentials } from './config-aws-credentials';
import { leaveHub, leftHubLine } from '../hub/leave';

export interface ConfigAwsOptions {
  profile?: string;
  /** Store an access key pair (from the environment, or typed) in the OS keychain and use it. */
  keychain?: boolean;
  region?: string;
  bucket?: string;
  createBucket?: boolean;
  subnet?: string;
  showPolicy?: boolean;
  /** Save even when the permission pre-flight finds missing actions. */
  force?: boolean;
}

/** This command line again, with --show-policy: the policy names the bucket, so it must be the same one. */
function showPolicyCommand(flags: string, region: string, bucket: string): string {
  return `dstack config aws ${flags ? `${flags} ` : ''}--region ${region} --bucket ${bucket} --show-policy`;
}

/** The fix printed after a bucket problem, in the terms of this command's options. */
function bucketFix(problem: string, bucketRegion: string | undefined): string {
  if (problem === 'region' && bucketRegion) return `Use --region ${bucketRegion}, or another --bucket.`;
  if (problem === 'region') return 'Pass the bucket\'s region with --region, or use another --bucket.';
  if (problem === 'missing') return 'Add --create-bucket to create it, or pass another --bucket.';
  if (problem === 'access') return 'Pass a bucket of this account with --bucket.';
  return 'Pass another name with --bucket.';
}

/**
 * Runs the setup and prints each step. `clients` lets tests pass mocked AWS
 * clients; without it every step builds its own from the chosen credentials.
 */
export async function configAws(opts: ConfigAwsOptions, home: string, clients?: AwsClients): Promise<void> {
  const { awsSetup, defaultBucketName } = await import('../../backends/aws/setup/index');
  const region = opts.region || process.env['AWS_REGION'] || process.env['AWS_DEFAULT_REGION'];
  if (!region) throw new InvalidArgumentError('No AWS region given.', 'Pass --region, e.g. --region eu-west-1, or set AWS_REGION.');
  if (!awsSetup.regions().some((r) => r.id === region)) {
    throw new InvalidArgumentError(`"${region}" is not an AWS region dstack knows.`, `Use one of: ${awsSetup.regions().map((r) => r.id).join(', ')}.`);
  }
  const choice = await chooseCredentials(opts, process.env, awsSetup.saveKeys);
  const { credentials, who, profile } = choice;
  const c = clients ? { ...clients, ...(profile ? { profile } : {}) } : undefined;

  const id = await awsSetup.identity(credentials, c);
  console.log(`AWS account ${id.account} (${who}).`);
  for (const note of choice.notes) console.log(note);

  const bucket = opts.bucket || defaultBucketName(id.account, region);
  const target = { credentials, region, bucket };
  const check = await awsSetup.checkBucket(target, c);
  if (!check.ok) {
    if (check.problem !== 'missing' || !opts.createBucket) {
      throw new InvalidArgumentError(check.message, bucketFix(check.problem, check.bucketRegion));
    }
    await awsSetup.createBucket(target, c);
    console.log(`Created bucket ${bucket} in ${region}.`);
  } else {
    console.log(`Bucket ${bucket} in ${region}: ok.`);
  }

  const { rows, policy } = await awsSetup.checkPermissions(target, c);
  console.log(table(['SERVICE', 'PERMISSIONS'], rows.map((r) => [r.service, r.ok ? 'ok' : `missing ${r.missing.join(', ')}`])));
  const missing = rows.flatMap((r) => r.missing);
  if (missing.length) {
    console.log(`Missing permissions (${missing.length}):`);
    for (const action of missing) console.log(`  ${action}`);
    if (opts.showPolicy) console.log(`Attach this IAM policy to the user or role of ${who}:\n${policy}`);
    const attach = opts.showPolicy
      ? `Attach the IAM policy printed above to the user or role of ${who}`
      : `Attach the dstack IAM policy to the user or role of ${who} (print it with \`${showPolicyCommand(choice.flags, region, bucket)}\`)`;
    if (!opts.force) {
      throw new DstackError('permission', `Not saved: ${who} lacks ${missing.length} permission(s) dstack needs: ${missing.join(', ')}.`, {
        fix: `${attach}, then run this command again. --force saves the config anyway.`,
        details: { missing },
      });
    }
    console.log(`Saving anyway (--force): runs will fail until the policy is attached. ${attach}.`);
  }

  const saved = await awsSetup.save({ ...target, ...(opts.subnet ? { subnet: opts.subnet } : {}) }, home, c);
  console.log(`Saved to ${saved.path}:`);
  for (const [k, v] of Object.entries(saved.file)) console.log(`  ${k}: ${v}`);
  const hub = await leaveHub(home);
  if (hub) console.log(leftHubLine(hub));
}

/** The `aws` subcommand of `dstack config`. */
export function configAwsCommand(ctx: CliContext): Command {
  return new Command('aws')
    .description('Use your AWS account: check the credentials, bucket and permissions, then save ~/.dstack/config.yaml.')
    .option('--profile <name>', 'the ~/.aws profile (default: AWS_PROFILE, else the keys in AWS_ACCESS_KEY_ID… if set, else "default")')
    .option('--keychain', 'store an access key pair in the OS keychain and use it: from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or typed at a prompt (two lines on stdin)')
    .option('--region <id>', 'the AWS region, e.g. eu-west-1 (default: AWS_REGION)')
    .option('--bucket <name>', 'the S3 bucket (default: dstack-{account}-{region})')
    .option('--create-bucket', 'create the bucket when it does not exist')
    .option('--subnet <id>', 'the subnet for instances (default: a default subnet)')
    .option('--show-policy', 'print the IAM policy when permissions are missing')
    .option('--force', 'save the config even when permissions are missing (runs fail until the policy is attached)')
    .action((opts: ConfigAwsOptions) => configAws(opts, ctx.home));
}
