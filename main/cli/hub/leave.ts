/**
 * Where the CLI keeps its hub connection, and how it lets go of it. While
 * `DSTACK_HOME/hub-connection.json` exists every project command goes
 * through the hub, so choosing a backend with `dstack config local|aws|gcp`
 * must end the connection, and say so: otherwise the choice would silently
 * change nothing. The token stays in the keychain, so `dstack config hub`
 * connects again without asking for it. A module of its own, with no
 * imports of the hub client, so the config commands stay light.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Written by `dstack config hub`; its presence routes commands through the hub. */
export const HUB_CONNECTION_FILE = 'hub-connection.json';

/** Removes the saved hub connection; returns the hub URL it named, or undefined when there was none. */
export async function leaveHub(home: string): Promise<string | undefined> {
  const path = join(home, HUB_CONNECTION_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  await rm(path, { force: true });
  try {
    const url = (JSON.parse(text) as { url?: unknown }).url;
    return typeof url === 'string' ? url : 'the saved hub';
  } catch {
    return 'the saved hub';
  }
}

/** What the config commands print after leaving a hub. */
export function leftHubLine(url: string): string {
  return `No longer going through the team hub at ${url}: commands use this backend. \`dstack config hub\` connects again.`;
}
