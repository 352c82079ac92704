/**
 * `~/.dstack/config.yaml`, in dstack's keys, so a config written by either
 * tool reads in the other. A missing file means the local backend: dstack
 * Desktop works offline with no setup. A malformed one is an error naming
 * the file and the field, never a silent fallback.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { BackendName } from '../common/backends';
import { BACKEND_NAMES, isBackendName } from '../common/backends';
import { DstackError } from '../common/errors';
import { writeFileAtomically } from '../node/atomic-write';
import type { BackendConfig, ConfigFile, GcpBackendConfig } from '../common/config';

export function configPath(home: string): string {
  return join(home, 'config.yaml');
}

function configError(path: string, message: string, fix = 'Fix the file, or run `dstack config` to write it again.'): DstackError {
  return new DstackError('config', `${path}: ${message}`, { fix });
}

const STRING_KEYS = ['bucket', 'region', 'profile', 'subnet', 'keychain_key_id', 'project', 'zone', 'vpc', 'service_account', 'credentials_file', 'keychain_key'] as const;

/** A gcp field's rule: what a good value looks like, and the fix that names where to find one. */
interface GcpRule {
  ok: (v: string, cfg: ConfigFile) => boolean;
  want: string;
  fix: string;
}

const RERUN = 'or run `dstack config gcp` to write it again';

/** Google's own rules for each name, so a typo is caught here, naming the field, not as a 400 from an API later. */
const GCP_RULES: Partial<Record<(typeof STRING_KEYS)[number], GcpRule>> = {
  project: { ok: (v) => /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(v), want: 'a project id: 6-30 lower-case letters, digits or hyphens, starting with a letter', fix: `Use the id \`gcloud projects list\` shows (not the project's name or number), ${RERUN}.` },
  region: { ok: (v) => /^[a-z]+-[a-z]+\d+$/.test(v), want: 'a region such as us-central1', fix: `Use a region \`gcloud compute regions list\` shows, ${RERUN}.` },
  zone: { ok: (v, c) => /^[a-z]+-[a-z]+\d+-[a-z]$/.test(v) && (!c.region || v.startsWith(`${c.region}-`)), want: 'a zone of the region, such as us-central1-a', fix: `Use a zone of the region (\`gcloud compute zones list --filter=region:REGION\`), ${RERUN}.` },
  bucket: { ok: (v) => /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(v) && !v.split('.').some((p) => p.length > 63), want: 'a Cloud Storage bucket name: 3-63 lower-case letters, digits, hyphens, underscores or dots', fix: `Use the bucket's name as \`gcloud storage ls\` shows it, without gs://, ${RERUN}.` },
  service_account: { ok: (v) => /^[^@\s]+@[a-z0-9.-]+$/.test(v), want: 'a service account e-mail', fix: `Use the e-mail \`gcloud iam service-accounts list\` shows, or remove the line to use the default compute service account.` },
  credentials_file: { ok: (v) => isAbsolute(v), want: 'an absolute path to a service account key file', fix: `Write the full path of the key file, ${RERUN} --key-file PATH.` },
};

const GCP_REQUIRED = ['project', 'region', 'zone', 'bucket'] as const;

function checkGcp(path: string, cfg: ConfigFile): void {
  for (const k of GCP_REQUIRED) {
    if (!cfg[k]) throw configError(path, `backend gcp needs ${k}.`, `Add a line \`${k}: …\` (${GCP_RULES[k]!.want}), ${RERUN}.`);
  }
  for (const [k, rule] of Object.entries(GCP_RULES) as [keyof ConfigFile, GcpRule][]) {
    const v = cfg[k];
    if (v !== undefined && !rule.ok(v, cfg)) throw configError(path, `${k} is "${v}", which is not ${rule.want}.`, rule.fix);
  }
}

/** Reads the config; `{ backend: 'local' }` when there is none. */
export async function readConfigFile(home: string): Promise<ConfigFile> {
  const path = configPath(home);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw configError(path, `cannot be read (${err.code ?? err.message}).`);
  });
  if (text === undefined || !text.trim()) return { backend: 'local' };
  let data: unknown;
  try {
    // Loaded only when there is a file: most commands on a default setup never need a YAML parser.
    data = (await import('yaml')).parse(text);
  } catch (err) {
    throw configError(path, `is not valid YAML (${(err as Error).message.split('\n')[0]}).`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw configError(path, 'must be a mapping of keys to values.');
  const raw = data as Record<string, unknown>;
  const backend = raw.backend ?? 'local';
  if (!isBackendName(backend)) throw configError(path, `backend is "${String(backend)}"; allowed: ${BACKEND_NAMES.join(', ')}.`);
  const out: ConfigFile = { backend };
  for (const k of STRING_KEYS) {
    const v = raw[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw configError(path, `${k} must be a string.`, `Write ${k} as text, e.g. \`${k}: "${String(v)}"\`, or run \`dstack config\` to write the file again.`);
    out[k] = v;
  }
  if (backend === 'aws' && (!out.bucket || !out.region)) throw configError(path, 'backend aws needs bucket and region.');
  if (backend === 'gcp') checkGcp(path, out);
  return out;
}

/** Writes the config through the one atomic writer (temp file, fsync, rename), so a crash never leaves half a file. */
export async function writeConfigFile(home: string, cfg: ConfigFile): Promise<string> {
  const path = configPath(home);
  await writeFileAtomically(path, (await import('yaml')).stringify(cfg));
  return path;
}

/** The BackendConfig an entry point builds its backend from; `override` picks another backend for one command. */
export function backendConfigOf(cfg: ConfigFile, home: string, override?: BackendName): BackendConfig {
  const type = override ?? cfg.backend;
  if (type === 'local') return { type: 'local', home };
  if (type === 'gcp') return gcpConfigOf(cfg);
  if (cfg.backend !== 'aws' || !cfg.bucket || !cfg.region) {
    throw new DstackError('config', 'The AWS backend is not configured.', { fix: 'Run `dstack config aws` first.' });
  }
  return {
    type: 'aws',
    bucket: cfg.bucket,
    region: cfg.region,
    ...(cfg.profile ? { profile: cfg.profile } : {}),
    ...(cfg.keychain_key_id ? { keychainKeyId: cfg.keychain_key_id } : {}),
    ...(cfg.subnet ? { subnet: cfg.subnet } : {}),
  };
}

function gcpConfigOf(cfg: ConfigFile): GcpBackendConfig {
  if (cfg.backend !== 'gcp' || !cfg.project || !cfg.bucket) {
    throw new DstackError('config', 'The GCP backend is not configured.', { fix: 'Run `dstack config gcp` first.' });
  }
  return {
    type: 'gcp',
    project: cfg.project,
    bucket: cfg.bucket,
    ...(cfg.region ? { region: cfg.region } : {}),
    ...(cfg.zone ? { zone: cfg.zone } : {}),
    ...(cfg.vpc ? { network: cfg.vpc } : {}),
    ...(cfg.subnet ? { subnet: cfg.subnet } : {}),
    ...(cfg.service_account ? { serviceAccount: cfg.service_account } : {}),
    ...(cfg.credentials_file ? { keyFile: cfg.credentials_file } : {}),
    ...(cfg.keychain_key ? { keychainKey: cfg.keychain_key } : {}),
  };
}
