/**
 * App info and the first-run wizard's own state: the draft (saved after
 * every step so closing the app resumes there) and the configuration
 * summary. Credentials never appear here: only a profile name, or the last
 * four characters of a keychain key id.
 */
import { localGpuCount } from '../node/local-gpus';
import { access } from 'node:fs/promises';
import type { ConfigSummary } from '../common/api/operations';
import { configPath, readConfigFile, writeConfigFile } from '../core/config-file';
import type { ServiceContext } from './context';
import type { Handlers } from './handler';

type SetupOps = 'app.info' | 'setup.get' | 'setup.saveDraft' | 'setup.useLocal';

async function configured(home: string): Promise<boolean> {
  return access(configPath(home)).then(() => true, () => false);
}

/** What Settings shows of `config.yaml`; `backend: null` until the wizard (or `dstack config`) wrote one. */
export async function configSummary(ctx: ServiceContext): Promise<ConfigSummary> {
  const home = ctx.opts.home;
  if (!(await configured(home))) return { backend: null, home };
  const cfg = await readConfigFile(home);
  if (cfg.backend === 'local') return { backend: 'local', home };
  if (cfg.backend === 'gcp') {
    const gcp: NonNullable<ConfigSummary['gcp']> = { project: cfg.project ?? '', region: cfg.region ?? '', zone: cfg.zone ?? '', bucket: cfg.bucket ?? '' };
    if (cfg.keychain_key) gcp.account = cfg.keychain_key.split('/')[0]!;
    if (cfg.vpc) gcp.network = cfg.vpc;
    if (cfg.subnet) gcp.subnet = cfg.subnet;
    return { backend: 'gcp', home, gcp };
  }
  const aws: NonNullable<ConfigSummary['aws']> = { region: cfg.region ?? '', bucket: cfg.bucket ?? '' };
  if (cfg.profile) aws.profile = cfg.profile;
  if (cfg.keychain_key_id) aws.keyIdLast4 = cfg.keychain_key_id.slice(-4);
  if (cfg.subnet) aws.subnet = cfg.subnet;
  return { backend: 'aws', home, aws };
}

export const setupOps: Handlers<SetupOps> = {
  'app.info': async (ctx) => ({
    version: ctx.opts.version,
    transport: ctx.host.transport,
    platform: process.platform,
    configured: await configured(ctx.opts.home),
    localGpus: await localGpuCount(),
  }),
  'setup.get': async (ctx) => ({
    draft: (await ctx.state.read()).draft ?? { step: 'backend' },
    config: await configSummary(ctx),
  }),
  'setup.saveDraft': async (ctx, draft) => {
    await ctx.state.update((s) => ({ ...s, draft }));
  },
  'setup.useLocal': async (ctx) => {
    await writeConfigFile(ctx.opts.home, { backend: 'local' });
    await ctx.resetBackend();
    await ctx.state.update((s) => ({ ...s, draft: { step: 'done', backend: 'local' } }));
    return configSummary(ctx);
  },
};
