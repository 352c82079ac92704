/**
 * The hub connection `dstack config hub` saved: the URL and project in
 * `DSTACK_HOME/hub-connection.json`, the token in the OS keychain under the
 * hub's URL. Each way it can be broken (unreadable file, no token in the
 * keychain) is one error naming the command that mends it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DstackError } from '../../common/errors';
import { Keychain } from '../../node/keychain';
import type { HubConnection } from '../commands/config-hub';
import { HUB_CONNECTION_FILE, HUB_KEYCHAIN_SERVICE } from '../commands/config-hub';
import { HubClient } from './client';

const USAGE = 'dstack config hub --url URL --project NAME';

/** Reads the saved connection and its token; throws one 'config' error with the fix when either is missing or damaged. */
export async function openHubClient(home: string, keychain = new Keychain(HUB_KEYCHAIN_SERVICE)): Promise<HubClient> {
  const path = join(home, HUB_CONNECTION_FILE);
  let conn: Partial<HubConnection>;
  try {
    conn = JSON.parse(await readFile(path, 'utf8')) as Partial<HubConnection>;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new DstackError('config', `Cannot read the hub connection ${path} (${why}).`, { fix: `Run \`${USAGE}\` again, or delete the file to use the backend in config.yaml.` });
  }
  if (typeof conn.url !== 'string' || typeof conn.project !== 'string') {
    throw new DstackError('config', `The hub connection ${path} has no url or project.`, { fix: `Run \`${USAGE}\` again, or delete the file to use the backend in config.yaml.` });
  }
  const token = await keychain.get(conn.url);
  if (!token) {
    throw new DstackError('config', `No token for the hub ${conn.url} in the OS keychain.`, { fix: `Run: dstack config hub --url ${conn.url} --project ${conn.project}` });
  }
  return new HubClient({ url: conn.url, project: conn.project }, token);
}
