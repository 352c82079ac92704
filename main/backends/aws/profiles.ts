/**
 * Lists the profiles in `~/.aws/config` and `~/.aws/credentials` (or the
 * files AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE name), as the AWS CLI
 * sees them, so the wizard can offer a picker. Only names, regions and the
 * SSO flag leave this module: key material is never read here.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AwsProfile } from '../../common/api/operations';

type Sections = Map<string, Record<string, string>>;

/** A minimal INI reader: `[section]` headers and `key = value` lines; comments start with `#` or `;`. */
export function parseIni(text: string): Sections {
  const out: Sections = new Map();
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header) {
      const name = header[1]!;
      current = out.get(name) ?? {};
      out.set(name, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0 && !/^\s/.test(raw)) current[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

export function awsConfigPaths(env: NodeJS.ProcessEnv = process.env): { config: string; credentials: string } {
  return {
    config: env.AWS_CONFIG_FILE || join(homedir(), '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(homedir(), '.aws', 'credentials'),
  };
}

/** Every profile from both files, sorted with `default` first; SSO profiles are marked. */
export async function listProfiles(env: NodeJS.ProcessEnv = process.env): Promise<AwsProfile[]> {
  const paths = awsConfigPaths(env);
  const profiles = new Map<string, AwsProfile>();
  for (const [section, values] of parseIni(await readOptional(paths.config))) {
    // In the config file, profiles other than default are written `[profile name]`; `[sso-session x]` and `[services x]` are not profiles.
    const name = section === 'default' ? 'default' : /^profile\s+(.+)$/.exec(section)?.[1];
    if (!name) continue;
    const sso = Boolean(values.sso_start_url || values.sso_session);
    profiles.set(name, { name, sso, ...(values.region ? { region: values.region } : {}) });
  }
  for (const [section] of parseIni(await readOptional(paths.credentials))) {
    if (!profiles.has(section)) profiles.set(section, { name: section, sso: false });
  }
  return [...profiles.values()].sort((a, b) => (a.name === 'default' ? -1 : b.name === 'default' ? 1 : a.name.localeCompare(b.name)));
}
