/**
 * `~/.dstack/config.yaml`, in dstack's keys, so a config written by either
 * tool reads in the other. A missing file means the local backend: dstack
 * Desktop works offline with no setup. A malformed one is an error naming
 * the file and the field, never a silent fallback.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendName } from '../common/backends';
import { BACKEND_NAMES, isBackendName } from '../common/backends';
import { DstackError } from '../common/errors';
import { writeFileAtomically } from '../node/atomic-write';
import type { BackendConfig, ConfigFile } from '../common/config';

export function configPath(home: string): string {
  return join(home, 'config.yaml');
}

function configError(path: string, message: string): DstackError {
  return new DstackError('config', `${path}: ${message}`, { fix: 'Fix the file, or run `dstack config` to write it again.' });
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
  for (const k of ['bucket', 'region', 'profile', 'subnet', 'keychain_key_id'] as const) {
    const v = raw[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw configError(path, `${k} must be a string.`);
    out[k] = v;
  }
  if (backend === 'aws' && (!out.bucket || !out.region)) throw configError(path, 'backend aws needs bucket and region.');
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
  if (!cfg.bucket || !cfg.region) {
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
