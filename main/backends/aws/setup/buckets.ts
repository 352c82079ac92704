/**
 * The wizard's bucket step. The seed policy cannot list buckets
 * (s3:ListAllMyBuckets) or create them, so both are attempted and their
 * AccessDenied turns into guidance: type a name, or create the bucket in
 * the console. HeadBucket (allowed through s3:ListBucket) checks a typed name
 * and reports the bucket's real region.
 */
import {
  CreateBucketCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  PutBucketLifecycleConfigurationCommand,
} from '@aws-sdk/client-s3';
import type { BucketLocationConstraint, LifecycleRule, S3Client } from '@aws-sdk/client-s3';
import type { BucketCheck, BucketListing } from '../../../common/api/operations';
import { DstackError } from '../../../common/errors';
import { aws, awsErrorCode, awsErrorStatus, isAccessDenied, isCredentialsError, mapAwsError } from '../errors';

/** `dstack-{account}-{region}`, the name dstack suggests. */
export function defaultBucketName(account: string, region: string): string {
  return `dstack-${account}-${region}`;
}

/** S3's naming rules for general purpose buckets; undefined when the name is valid. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'A bucket name has 3 to 63 characters.';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'A bucket name may use only lowercase letters, digits, dots and hyphens.';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'A bucket name starts and ends with a letter or a digit.';
  if (name.includes('..')) return 'A bucket name cannot have two dots in a row.';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'A bucket name cannot look like an IP address.';
  if (/^xn--|^sthree-|^amzn-s3-demo-/.test(name) || /-s3alias$|--ol-s3$|\.mrap$|--x-s3$/.test(name)) {
    return 'A bucket name cannot use a prefix or suffix that S3 reserves.';
  }
  return undefined;
}

export async function listBuckets(s3: S3Client, region: string): Promise<BucketListing> {
  try {
    const out = await s3.send(new ListBucketsCommand({ BucketRegion: region }));
    return { allowed: true, buckets: (out.Buckets ?? []).map((b) => ({ name: b.Name ?? '', ...(b.BucketRegion ? { region: b.BucketRegion } : {}) })).filter((b) => b.name) };
  } catch (err) {
    if (isAccessDenied(err)) {
      return {
        allowed: false,
        reason: 'These credentials may not list buckets (s3:ListAllMyBuckets), which is normal with the dstack IAM policy. Type the bucket name instead.',
      };
    }
    throw mapAwsError(err, { action: 's3:ListAllMyBuckets', region });
  }
}

function headerRegion(err: unknown): string | undefined {
  const e = err as { BucketRegion?: string; Region?: string; $response?: { headers?: Record<string, string> } };
  return e.BucketRegion || e.$response?.headers?.['x-amz-bucket-region'] || e.Region || undefined;
}

/** Whether `bucket` exists, is reachable with these credentials, and lives in `region`. */
export async function checkBucket(s3: S3Client, bucket: string, region: string): Promise<BucketCheck> {
  const syntax = bucketNameProblem(bucket);
  if (syntax) return { ok: false, problem: 'syntax', message: syntax };
  let bucketRegion: string | undefined;
  try {
    const out = await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    bucketRegion = out.BucketRegion;
  } catch (err) {
    if (isCredentialsError(err)) throw mapAwsError(err, { action: 's3:ListBucket', region });
    const status = awsErrorStatus(err);
    const code = awsErrorCode(err);
    bucketRegion = headerRegion(err);
    if (status === 404 || code === 'NotFound' || code === 'NoSuchBucket') {
      return { ok: false, problem: 'missing', message: `There is no bucket named ${bucket}.`, canCreate: true };
    }
    if (bucketRegion && bucketRegion !== region) return regionProblem(bucket, bucketRegion, region);
    if (status === 403 || isAccessDenied(err)) {
      return {
        ok: false,
        problem: 'access',
        message: `The bucket ${bucket} exists but these credentials cannot use it (s3:ListBucket was denied). It may belong to another account.`,
      };
    }
    if (status === 301 || status === 400) {
      return { ok: false, problem: 'region', message: `The bucket ${bucket} is not in ${region}.`, ...(bucketRegion ? { bucketRegion } : {}) };
    }
    throw mapAwsError(err, { action: 's3:ListBucket', resource: bucket, region });
  }
  if (bucketRegion && bucketRegion !== region) return regionProblem(bucket, bucketRegion, region);
  return { ok: true };
}

function regionProblem(bucket: string, bucketRegion: string, region: string): BucketCheck {
  return {
    ok: false,
    problem: 'region',
    bucketRegion,
    message: `The bucket ${bucket} is in ${bucketRegion}, not in ${region}. Choose ${bucketRegion} as the region, or use a bucket in ${region}.`,
  };
}

const ABORT_RULE_ID = 'dstack-abort-incomplete-multipart-uploads';

/** Creates the bucket in `region`, then adds the multipart clean-up rule. */
export async function createBucket(s3: S3Client, bucket: string, region: string): Promise<void> {
  const syntax = bucketNameProblem(bucket);
  if (syntax) throw new DstackError('invalid_argument', syntax);
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    );
  } catch (err) {
    const code = awsErrorCode(err);
    if (code === 'BucketAlreadyExists') {
      throw new DstackError('conflict', `The name ${bucket} is taken by another AWS account.`, { fix: 'Bucket names are global: pick another name.' });
    }
    if (isAccessDenied(err)) {
      throw new DstackError('permission', `These credentials may not create buckets (s3:CreateBucket is not in the dstack policy).`, {
        fix: `Create the bucket ${bucket} in ${region} in the S3 console, then check it again.`,
        details: { action: 's3:CreateBucket' },
        cause: err,
      });
    }
    if (code !== 'BucketAlreadyOwnedByYou') throw mapAwsError(err, { action: 's3:CreateBucket', resource: bucket, region });
  }
  await ensureLifecycleRule(s3, bucket, region);
}

/**
 * Adds a rule that aborts multipart uploads left incomplete for a week, so a
 * crashed upload does not bill for its parts forever. Existing rules are
 * kept: PutBucketLifecycleConfiguration replaces the whole configuration.
 */
export async function ensureLifecycleRule(s3: S3Client, bucket: string, region: string): Promise<void> {
  let rules: LifecycleRule[] = [];
  try {
    rules = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? [];
  } catch (err) {
    // S3-compatible stores without lifecycle support answer NotImplemented: the rule is housekeeping, so go on without it.
    if (awsErrorCode(err) === 'NotImplemented') return;
    if (awsErrorCode(err) !== 'NoSuchLifecycleConfiguration') throw mapAwsError(err, { action: 's3:GetLifecycleConfiguration', resource: bucket, region });
  }
  if (rules.some((r) => r.AbortIncompleteMultipartUpload && r.Status === 'Enabled' && !r.Filter?.Prefix && !r.Prefix)) return;
  const rule: LifecycleRule = { ID: ABORT_RULE_ID, Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } };
  await aws({ action: 's3:PutLifecycleConfiguration', resource: bucket, region }, () =>
    s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: bucket, LifecycleConfiguration: { Rules: [...rules.filter((r) => r.ID !== ABORT_RULE_ID), rule] } })),
  );
}
