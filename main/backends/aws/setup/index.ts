/**
 * The AWS half of the first-run wizard and `dstack config aws`: one function
 * per `aws.*` operation in common/api/operations.ts, each taking what the UI
 * sends (a credentials reference, a region, a bucket) and building and
 * closing its own clients. Tests pass `clients` to use mocks or the stand-in.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialsRef, AwsProfile, AwsTarget, BucketCheck, BucketListing, PermissionRow } from '../../../common/api/operations';
import type { AwsBackendConfig, ConfigFile } from '../../../common/config';
import { InvalidArgumentError } from '../../../common/errors';
import type { AwsClients } from '../clients';
import { destroyClients, makeClients, makeStsClient } from '../clients';
import type { CredentialsSource } from '../credentials';
import { checkKeyShape, saveKeys } from '../credentials';
import { policyFor } from '../policy';
import { listProfiles } from '../profiles';
import type { AwsRegion } from '../regions';
import { AWS_REGIONS, isRegion } from '../regions';
import { checkBucket, createBucket, ensureLifecycleRule, listBuckets } from './buckets';
import { saveAwsConfig } from './config-file';
import type { AwsIdentity } from './identity';
import { callerIdentity } from './identity';
import { checkPermissions } from './permissions';

export { bucketNameProblem, defaultBucketName } from './buckets';
export { policyFor };

/**
 * Where setup calls get credentials: the app's references (a profile, or
 * keys in the keychain), or, for `dstack config aws`, the environment
 * (AWS_ACCESS_KEY_ID…) through the SDK's default chain, which is also what a
 * saved config without either means at run time.
 */
export type SetupCredentials = AwsCredentialsRef | { environment: true };

/** An {@link AwsTarget} whose credentials may also be the environment. */
export type SetupTarget = Omit<AwsTarget, 'credentials'> & { credentials: SetupCredentials };

export function sourceOf(ref: SetupCredentials): CredentialsSource {
  if ('profile' in ref) return { profile: ref.profile };
  if ('keychainKeyId' in ref) return { keychainKeyId: ref.keychainKeyId };
  return {};
}

function checkRegion(region: string): void {
  if (!isRegion(region)) throw new InvalidArgumentError(`"${region}" is not an AWS region this app knows.`, 'Pick a region from the list.');
}

async function withClients<T>(ref: SetupCredentials, region: string, given: AwsClients | undefined, fn: (c: AwsClients) => Promise<T>): Promise<T> {
  const c = given ?? makeClients(region, sourceOf(ref));
  try {
    return await fn(c);
  } finally {
    if (!given) destroyClients(c);
  }
}

export const awsSetup = {
  /** `aws.profiles` */
  profiles: (): Promise<AwsProfile[]> => listProfiles(),
  /**
   * `aws.saveKeys`: the pair is checked with sts:GetCallerIdentity first, and
   * goes to the OS keychain only when AWS accepts it, so a typo never
   * replaces a working key. The caller keeps only the key id.
   */
  saveKeys: async (accessKeyId: string, secretAccessKey: string, sts?: STSClient): Promise<{ keychainKeyId: string; keyIdLast4: string }> => {
    const { id, secret } = checkKeyShape(accessKeyId, secretAccessKey);
    const client = sts ?? makeStsClient('us-east-1', () => Promise.resolve({ accessKeyId: id, secretAccessKey: secret }));
    try {
      await callerIdentity(client);
    } finally {
      if (!sts) client.destroy();
    }
    return saveKeys(id, secret);
  },
  /** `aws.identity`: also the wizard's credentials check. */
  identity: (credentials: SetupCredentials, clients?: AwsClients): Promise<AwsIdentity> =>
    withClients(credentials, 'us-east-1', clients, (c) => callerIdentity(c.sts, c.profile)),
  /** `aws.regions` */
  regions: (): AwsRegion[] => AWS_REGIONS.map((r) => ({ ...r })),
  /** `aws.buckets`: `{allowed:false}` under the dstack policy, which is normal. */
  buckets: (t: SetupTarget, clients?: AwsClients): Promise<BucketListing> => {
    checkRegion(t.region);
    return withClients(t.credentials, t.region, clients, (c) => listBuckets(c.s3, t.region));
  },
  /** `aws.checkBucket` */
  checkBucket: (t: SetupTarget & { bucket: string }, clients?: AwsClients): Promise<BucketCheck> => {
    checkRegion(t.region);
    return withClients(t.credentials, t.region, clients, (c) => checkBucket(c.s3, t.bucket, t.region));
  },
  /** `aws.createBucket`: needs s3:CreateBucket, which the dstack policy does not grant. */
  createBucket: (t: SetupTarget & { bucket: string }, clients?: AwsClients): Promise<void> => {
    checkRegion(t.region);
    return withClients(t.credentials, t.region, clients, (c) => createBucket(c.s3, t.bucket, t.region));
  },
  /** `aws.checkPermissions`: rows per service plus the policy to copy. */
  checkPermissions: (t: SetupTarget & { bucket: string }, clients?: AwsClients): Promise<{ rows: PermissionRow[]; policy: string }> => {
    checkRegion(t.region);
    return withClients(t.credentials, t.region, clients, async (c) => ({ rows: await checkPermissions(c, t.bucket), policy: policyFor(t.bucket) }));
  },
  /**
   * `aws.save`: checks the bucket once more, adds the multipart clean-up
   * rule, and writes config.yaml. Returns the backend config to use.
   */
  save: async (t: SetupTarget & { bucket: string; subnet?: string }, home?: string, clients?: AwsClients): Promise<{ config: AwsBackendConfig; file: ConfigFile; path: string }> => {
    checkRegion(t.region);
    await withClients(t.credentials, t.region, clients, async (c) => {
      const check = await checkBucket(c.s3, t.bucket, t.region);
      if (!check.ok) throw new InvalidArgumentError(check.message, check.problem === 'region' ? `Choose ${check.bucketRegion} as the region.` : undefined, check);
      await ensureLifecycleRule(c.s3, t.bucket, t.region);
    });
    const config: AwsBackendConfig = { type: 'aws', bucket: t.bucket, region: t.region, ...sourceOf(t.credentials), ...(t.subnet ? { subnet: t.subnet } : {}) };
    return { config, ...(await saveAwsConfig(config, home)) };
  },
};
