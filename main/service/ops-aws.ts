/**
 * The wizard's AWS steps: each delegates to the AWS backend's `awsSetup`, so
 * the checks the CLI and the app run are one piece of code. The AWS SDK is
 * imported only when one of these runs, so the Local path never loads it.
 */
import type { Handlers } from './handler';
import { configSummary } from './ops-setup';

type AwsOps =
  | 'aws.profiles' | 'aws.saveKeys' | 'aws.identity' | 'aws.regions' | 'aws.buckets'
  | 'aws.checkBucket' | 'aws.createBucket' | 'aws.checkPermissions' | 'aws.save';

const setup = async () => (await import('../backends/index')).awsSetup();

export const awsOps: Handlers<AwsOps> = {
  'aws.profiles': async () => (await setup()).profiles(),
  'aws.saveKeys': async (_ctx, { accessKeyId, secretAccessKey }) => (await setup()).saveKeys(accessKeyId, secretAccessKey),
  'aws.identity': async (_ctx, { credentials }) => (await setup()).identity(credentials),
  'aws.regions': async () => (await setup()).regions().map((r) => ({ id: r.id, name: r.name })),
  'aws.buckets': async (_ctx, target) => (await setup()).buckets(target),
  'aws.checkBucket': async (_ctx, input) => (await setup()).checkBucket(input),
  'aws.createBucket': async (_ctx, input) => (await setup()).createBucket(input),
  'aws.checkPermissions': async (_ctx, input) => (await setup()).checkPermissions(input),
  // awsSetup.save re-checks the bucket's region and adds the lifecycle rule before it writes config.yaml.
  'aws.save': async (ctx, input) => {
    await (await setup()).save(input, ctx.opts.home);
    await ctx.resetBackend();
    const { credentials, region, bucket } = input;
    await ctx.state.update((s) => ({ ...s, draft: { step: 'done', backend: 'aws', credentials, region, bucket } }));
    return configSummary(ctx);
  },
};
