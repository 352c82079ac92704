/**
 * `dstack config gcp`: the wizard's GCP steps for a terminal. Every value
 * can come from a flag, so it runs unattended; on a terminal it asks for
 * what the flags leave out. It checks the bucket and the permissions, then
 * writes `~/.dstack/config.yaml`. A key file given with --key-file goes to
 * the OS keychain; config.yaml names it only.
 */
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { GcpCredentialsRef } from '../../common/api/gcp-setup';
import { DstackError, InvalidArgumentError } from '../../common/errors';
import type { GcpSetupDeps } from '../../backends/gcp/setup';
import type { CliContext } from '../context';
import { table } from '../output';
import { interactive, Prompter } from '../prompt';
import { leaveHub, leftHubLine } from '../hub/leave';

export interface ConfigGcpOptions {
  keyFile?: string;
  projectId?: string;
  region?: string;
  zone?: string;
  bucket?: string;
  vpc?: string;
  subnet?: string;
  serviceAccount?: string;
  /** Accept what would be asked: create a missing bucket, take the defaults. */
  yes?: boolean;
  showRole?: boolean;
  /** Save even when the pre-flight finds missing permissions. */
  force?: boolean;
}

/** Where Application Default Credentials come from here, in words: the variable, gcloud's file, or (on a VM) the metadata server. */
function adcSource(env: NodeJS.ProcessEnv): string {
  if (env['GOOGLE_APPLICATION_CREDENTIALS']) return `GOOGLE_APPLICATION_CREDENTIALS (${env['GOOGLE_APPLICATION_CREDENTIALS']})`;
  const gcloud = process.platform === 'win32' && env['APPDATA'] ? join(env['APPDATA'], 'gcloud') : join(env['CLOUDSDK_CONFIG'] ?? join(homedir(), '.config', 'gcloud'));
  const file = join(gcloud, 'application_default_credentials.json');
  return existsSync(file) ? `gcloud's ${file}` : 'the metadata server (no GOOGLE_APPLICATION_CREDENTIALS, no gcloud login)';
}

function need(value: string | undefined, flag: string, example: string): string {
  if (!value) throw new InvalidArgumentError(`No ${flag.replace('--', '').replace('-', ' ')} given.`, `Pass ${flag}, e.g. ${flag} ${example}, or run on a terminal to be asked.`);
  return value;
}

/** Runs the setup and prints each step; `deps` points it at stand-ins in tests. */
export async function configGcp(opts: ConfigGcpOptions, home: string, prompter?: Prompter, deps?: GcpSetupDeps): Promise<void> {
  const { gcpSetup } = await import('../../backends/gcp/setup');
  const { defaultGcpBucketName } = await import('../../backends/gcp/locations');
  const ask = prompter && !opts.yes ? prompter : undefined;

  let credentials: GcpCredentialsRef = { adc: true };
  const keyFile = opts.keyFile ?? ((ask && (await ask.ask('Service account key file (Enter for Application Default Credentials)'))) || undefined);
  if (keyFile) {
    const saved = await gcpSetup.saveKey(keyFile);
    credentials = { keychainKey: saved.keychainKey };
    console.log(`Stored the key of ${saved.identity.account} in the OS keychain; ${keyFile} is not needed by dstack any more.`);
  } else {
    console.log(`Using Application Default Credentials from ${adcSource(process.env)}.`);
  }
  const id = await gcpSetup.identity(credentials);

  const project = opts.projectId ?? (ask ? await ask.ask('Project id', id.projectId) : id.projectId);
  const regions = gcpSetup.regions();
  const region = opts.region ?? (ask ? await ask.ask(`Region (${regions.length} known, e.g. us-central1, europe-west4)`, 'us-central1') : undefined);
  const target = { credentials, project: need(project, '--project-id', 'my-project'), region: need(region, '--region', 'us-central1') };
  const known = regions.find((r) => r.id === target.region);
  if (!known) throw new InvalidArgumentError(`"${target.region}" is not a GCP region dstack knows.`, `Use one of: ${regions.map((r) => r.id).join(', ')}.`);
  const zone = opts.zone ?? (ask ? await ask.choose('Zone', known.zones.map((z) => ({ value: z, label: z })), known.zones[0]) : known.zones[0]!);

  let bucket = opts.bucket;
  if (!bucket && ask) {
    const listing = await gcpSetup.buckets(target, deps);
    if (listing.allowed && listing.buckets.length) console.log(`Buckets of ${target.project}: ${listing.buckets.map((b) => `${b.name} (${b.region ?? '?'})`).join(', ')}`);
    else if (!listing.allowed) console.log(listing.reason);
    bucket = await ask.ask('Bucket', defaultGcpBucketName(target.project, target.region));
  }
  bucket ??= defaultGcpBucketName(target.project, target.region);
  const check = await gcpSetup.checkBucket({ ...target, bucket }, deps);
  if (!check.ok) {
    const create = check.problem === 'missing' && (opts.yes || (ask && /^y/i.test(await ask.ask(`Bucket ${bucket} does not exist. Create it in ${target.region}? (y/N)`, 'n'))));
    if (!create) {
      const fix = check.problem === 'missing' ? 'Add --yes to create it, or pass another --bucket.' : check.problem === 'region' ? `Use --region matching ${check.bucketRegion ?? 'the bucket'}, or another --bucket.` : 'Pass another --bucket.';
      throw new InvalidArgumentError(check.message, fix);
    }
    await gcpSetup.createBucket({ ...target, bucket }, deps);
    console.log(`Created bucket ${bucket} in ${target.region}.`);
  } else {
    console.log(`Bucket ${bucket} fits ${target.region}: ok.`);
  }

  const report = await gcpSetup.checkPermissions({ ...target, bucket, ...(opts.serviceAccount ? { serviceAccount: opts.serviceAccount } : {}) }, deps);
  console.log(table(['SERVICE', 'PERMISSIONS'], report.rows.map((r) => [r.service, r.ok ? 'ok' : `missing ${r.missing.join(', ')}`])));
  console.log(`VMs run as ${report.vmServiceAccount.email}; it needs: ${report.vmServiceAccount.needs.join(', ')}.`);
  const missing = report.rows.flatMap((r) => r.missing);
  if (missing.length) {
    console.log(`Missing permissions (${missing.length}):`);
    for (const p of missing) console.log(`  ${p}`);
    if (opts.showRole) console.log(`Save this as dstack-role.yaml:\n${report.roleYaml}Then run:\n${report.roleCommands.map((c) => `  ${c}`).join('\n')}`);
    const grant = `Grant ${id.account} the dstack custom role (${opts.showRole ? 'printed above' : 'print it with --show-role'})`;
    if (!opts.force) {
      throw new DstackError('permission', `Not saved: ${id.account} lacks ${missing.length} permission(s) dstack needs: ${missing.join(', ')}.`, {
        fix: `${grant}, then run this command again. --force saves the config anyway.`,
        details: { missing },
      });
    }
    console.log(`Saving anyway (--force): runs will fail until the role is granted. ${grant}.`);
  }

  const saved = await gcpSetup.save({
    ...target, bucket, zone,
    ...(opts.vpc ? { network: opts.vpc } : {}),
    ...(opts.subnet ? { subnet: opts.subnet } : {}),
    ...(opts.serviceAccount ? { serviceAccount: opts.serviceAccount } : {}),
  }, home, deps);
  console.log(`Saved to ${saved.path}:`);
  for (const [k, v] of Object.entries(saved.file)) console.log(`  ${k}: ${v}`);
  const hub = await leaveHub(home);
  if (hub) console.log(leftHubLine(hub));
}

/** The `gcp` subcommand of `dstack config`. */
export function configGcpCommand(ctx: CliContext): Command {
  return new Command('gcp')
    .description('Use your Google Cloud project: check the credentials, bucket and permissions, then save ~/.dstack/config.yaml.')
    .option('--key-file <path>', 'a service account JSON key; stored in the OS keychain (default: Application Default Credentials)')
    .option('--project-id <id>', 'the project (default: the key\'s, or gcloud\'s)')
    .option('--region <id>', 'the region, e.g. us-central1')
    .option('--zone <id>', 'the zone VMs start in (default: the region\'s first)')
    .option('--bucket <name>', 'the Cloud Storage bucket (default: dstack-{project}-{region})')
    .option('--vpc <name>', 'the VPC network (default: default)')
    .option('--subnet <name>', 'the subnetwork (default: the network\'s own in the region)')
    .option('--service-account <email>', 'the service account the VMs run as (default: the default compute service account)')
    .option('--yes', 'ask nothing: take the defaults and create the bucket if it does not exist')
    .option('--show-role', 'print the custom role (YAML and gcloud commands) when permissions are missing')
    .option('--force', 'save the config even when permissions are missing')
    .action(async (opts: ConfigGcpOptions) => {
      const prompter = interactive() && !opts.yes ? new Prompter() : undefined;
      try {
        await configGcp(opts, ctx.home, prompter);
      } finally {
        prompter?.close();
      }
    });
}
