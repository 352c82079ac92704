/**
 * The wizard's GCP steps: each delegates to the GCP backend's `gcpSetup`, so
 * the checks the CLI (`dstack config gcp`) and the app run are one piece of
 * code. Loaded only when one of these runs, so the Local path never loads
 * google-auth-library.
 */
import type { Handlers } from './handler';
import { configSummary } from './ops-setup';

type GcpOps =
  | 'gcp.saveKey' | 'gcp.identity' | 'gcp.regions' | 'gcp.buckets'
  | 'gcp.checkBucket' | 'gcp.createBucket' | 'gcp.checkPermissions' | 'gcp.save';

const setup = async () => (await import('../backends/index')).gcpSetup();

export const gcpOps: Handlers<GcpOps> = {
  'gcp.saveKey': async (_ctx, { path }) => (await setup()).saveKey(path),
  'gcp.identity': async (_ctx, { credentials }) => (await setup()).identity(credentials),
  'gcp.regions': async () => (await setup()).regions(),
  'gcp.buckets': async (_ctx, target) => (await setup()).buckets(target),
  'gcp.checkBucket': async (_ctx, input) => (await setup()).checkBucket(input),
  'gcp.createBucket': async (_ctx, input) => (await setup()).createBucket(input),
  'gcp.checkPermissions': async (_ctx, input) => (await setup()).checkPermissions(input),
  // gcpSetup.save re-checks the bucket's location before it writes config.yaml.
  'gcp.save': async (ctx, input) => {
    await (await setup()).save(input, ctx.opts.home);
    await ctx.resetBackend();
    const { credentials, project, region, zone, bucket, network, subnet } = input;
    const net = { ...(network ? { network } : {}), ...(subnet ? { subnet } : {}) };
    await ctx.state.update((s) => ({ ...s, draft: { step: 'done', backend: 'gcp', gcpCredentials: credentials, project, region, zone, bucket, ...net } }));
    return configSummary(ctx);
  },
};
