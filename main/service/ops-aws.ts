/**
 * The wizard's AWS steps, on top of the AWS backend's setup functions. The
 * AWS SDK is imported only when one of these runs, so the Local path never
 * loads it. Each call builds short-lived clients for the credentials and
 * region the wizard has chosen so far, and closes them afterwards.
 */
import type { AwsCredentialsRef, AwsTarget } from '../common/api/operations';
import type { AwsClients } from '../backends/aws/clients';
import type { CredentialsSource } from '../backends/aws/credentials';
import { writeConfigFile } from '../core/config-file';
import type { Handlers } from './handler';
import { configSummary } from './ops-setup';

type AwsOps =
  | 'aws.profiles' | 'aws.saveKeys' | 'aws.identity' | 'aws.regions' | 'aws.buckets'
  | 'aws.checkBucket' | 'aws.createBucket' | 'aws.checkPermissions' | 'aws.save';

function sourceOf(ref: AwsCredentialsRef): CredentialsSource {
  return 'profile' in ref ? { profile: ref.profile } : { keychainKeyId: ref.keychainKeyId };
}

/** Runs `fn` with clients for `target`, then closes their sockets. */
async function withClients<T>(target: AwsTarget, fn: (c: AwsClients) => Promise<T>): Promise<T> {
  const { makeClients, destroyClients } = await import('../backends/aws/clients');
  const clients = makeClients(target.region, sourceOf(target.credentials));
  try {
    return await fn(clients);
  } finally {
    destroyClients(clients);
  }
}

export const awsOps: Handlers<AwsOps> = {
  'aws.profiles': async () => (await import('../backends/aws/profiles')).listProfiles(),
  'aws.saveKeys': async (_ctx, { accessKeyId, secretAccessKey }) =>
    (await import('../backends/aws/credentials')).saveKeys(accessKeyId, secretAccessKey),
  'aws.identity': async (_ctx, { credentials }) => {
    const { callerIdentity } = await import('../backends/aws/setup/identity');
    const profile = 'profile' in credentials ? credentials.profile : undefined;
    return withClients({ credentials, region: 'us-east-1' }, (c) => callerIdentity(c.sts, profile));
  },
  'aws.regions': async () => (await import('../backends/aws/regions')).AWS_REGIONS.map((r) => ({ id: r.id, name: r.name })),
  'aws.buckets': async (_ctx, target) => {
    const { listBuckets } = await import('../backends/aws/setup/buckets');
    return withClients(target, (c) => listBuckets(c.s3, target.region));
  },
  'aws.checkBucket': async (_ctx, { bucket, ...target }) => {
    const { checkBucket } = await import('../backends/aws/setup/buckets');
    return withClients(target, (c) => checkBucket(c.s3, bucket, target.region));
  },
  'aws.createBucket': async (_ctx, { bucket, ...target }) => {
    const { createBucket } = await import('../backends/aws/setup/buckets');
    return withClients(target, (c) => createBucket(c.s3, bucket, target.region));
  },
  'aws.checkPermissions': async (_ctx, { bucket, ...target }) => {
    const { checkPermissions } = await import('../backends/aws/setup/permissions');
    const { policyFor } = await import('../backends/aws/policy');
    const rows = await withClients(target, (c) => checkPermissions(c, bucket));
    return { rows, policy: policyFor(bucket) };
  },
  'aws.save': async (ctx, { bucket, region, credentials, subnet }) => {
    const src = sourceOf(credentials);
    await writeConfigFile(ctx.opts.home, {
      backend: 'aws',
      bucket,
      region,
      ...(src.profile ? { profile: src.profile } : {}),
      ...(src.keychainKeyId ? { keychain_key_id: src.keychainKeyId } : {}),
      ...(subnet ? { subnet } : {}),
    });
    await ctx.resetBackend();
    await ctx.state.update((s) => ({ ...s, draft: { step: 'done', backend: 'aws', credentials, region, bucket } }));
    return configSummary(ctx);
  },
};
