/**
 * The AWS backend: S3 storage, EC2 compute, CloudWatch Logs and Secrets
 * Manager, with the credentials the config names (a profile, keys in the OS
 * keychain, or, on EC2, the instance role). Custom endpoints come from
 * AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.
 */
import { join } from 'node:path';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import type { AwsBackendConfig } from '../../common/config';
import type { Backend, Storage } from '../../core/backend';
import { dstackHome } from '../../node/home';
import { builtRunnerBundle, entrySources } from '../../node/launch';
import type { AwsClients } from './clients';
import { destroyClients, makeClients } from './clients';
import { AwsCompute } from './compute/index';
import { keychainCredentials } from './credentials';
import { CloudWatchLogs } from './logs';
import { createS3Client } from './s3/client';
import { S3Storage } from './s3/storage';
import { AwsSecrets } from './secrets';

export interface AwsBackendOptions {
  env?: NodeJS.ProcessEnv;
  /** DSTACK_HOME, for the launch ledger. */
  home?: string;
  /** The runner bundle uploaded for instances; default DSTACK_RUNNER_BUNDLE, else the build's `runner.mjs`, else one bundled from source. */
  runnerBundle?: string;
  logPollMs?: number;
  /** Keys to use instead of the config's profile or keychain entry: a team hub's project keys, which never enter a config. */
  credentials?: AwsCredentialIdentity;
  /** Tests: prebuilt clients and storage. */
  clients?: AwsClients;
  storage?: Storage;
  propagationDelays?: number[];
}

/** Running from source there is no build: the runner is bundled from its entry into DSTACK_HOME. */
async function defaultRunnerBundle(env: NodeJS.ProcessEnv, home: string): Promise<string> {
  const built = env.DSTACK_RUNNER_BUNDLE || builtRunnerBundle();
  if (built) return built;
  const { writeRunnerBundle } = await import('../../node/runner-bundle');
  return writeRunnerBundle(entrySources.runner, join(home, 'runner', 'runner.mjs'));
}

async function makeStorage(config: AwsBackendConfig, home: string, keys?: AwsCredentialIdentity): Promise<Storage> {
  const credentials = keys ?? (config.keychainKeyId ? await keychainCredentials(config.keychainKeyId) : undefined);
  const client = createS3Client({ region: config.region, ...(credentials ? { credentials } : {}), ...(config.profile ? { profile: config.profile } : {}) });
  return new S3Storage(config.bucket, client, home);
}

export async function createAwsBackend(config: AwsBackendConfig, opts: AwsBackendOptions = {}): Promise<Backend> {
  const env = opts.env ?? process.env;
  const source = opts.credentials
    ? { keys: opts.credentials }
    : { ...(config.profile ? { profile: config.profile } : {}), ...(config.keychainKeyId ? { keychainKeyId: config.keychainKeyId } : {}) };
  const clients = opts.clients ?? makeClients(config.region, source, env);
  const home = opts.home ?? dstackHome(env);
  const storage = opts.storage ?? (await makeStorage(config, home, opts.credentials));
  let bundle: Promise<string> | undefined;
  const runnerBundle = (): Promise<string> => {
    bundle ??= defaultRunnerBundle(env, home).catch((err: unknown) => {
      bundle = undefined;
      throw err;
    });
    return bundle;
  };
  const compute = new AwsCompute({
    config,
    ec2: clients.ec2,
    iam: clients.iam,
    logs: clients.logs,
    storage,
    home,
    env,
    runnerBundle: async () => opts.runnerBundle ?? runnerBundle(),
    ...(opts.propagationDelays ? { propagationDelays: opts.propagationDelays } : {}),
  });
  const logs = new CloudWatchLogs(clients.logs, config.bucket, opts.logPollMs ? { pollMs: opts.logPollMs } : {});
  const secrets = new AwsSecrets(clients.secrets, storage, config.bucket, async (repo) => (await compute.instanceIdentity(repo)).roleArn);
  // No timer here: the composition roots reconcile (core/reconciler.ts), and the runner on EC2, which builds this backend too, must not (its role cannot describe instances).
  return {
    name: 'aws',
    storage,
    compute,
    logs,
    secrets,
    async close() {
      if (!opts.clients) destroyClients(clients);
    },
  };
}
