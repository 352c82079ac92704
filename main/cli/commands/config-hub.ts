/**
 * `dstack config hub --url URL --project NAME`: connects this machine to a
 * team hub. The token comes from a hidden prompt (or stdin in a script),
 * never argv, and goes to the OS keychain; the URL and project go to
 * `DSTACK_HOME/hub-connection.json`. Before saving anything it asks the hub
 * who the token is, so each way this can go wrong (a URL that is not a
 * hub's, a hub that is down, a revoked token, a project that is not there
 * or not yours) gets one message that names the fix.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { DstackError, InvalidArgumentError, NotFoundError } from '../../common/errors';
import { Keychain } from '../../node/keychain';
import { writeFileAtomically } from '../../node/atomic-write';
import { appVersion } from '../../server/cli-command';
import type { CliContext } from '../context';
import { HUB_CONNECTION_FILE } from '../hub/leave';
import { readSecret } from '../prompt';

/** The keychain service hub tokens are kept under; the account is the hub's origin. */
export const HUB_KEYCHAIN_SERVICE = 'dstack-hub';
/** Re-exported for the hub client, which reads the file this command writes. */
export { HUB_CONNECTION_FILE };

const USAGE = 'dstack config hub --url URL --project NAME';

/** How long the connection check waits for the hub's answer. */
const CHECK_MS = 10_000;

export interface HubConnection {
  url: string;
  project: string;
}

interface MeAnswer {
  user: { name: string };
  projects: { name: string; role: string }[];
}

/** The hub's base URL (scheme, host, port, and any path prefix of a proxy), checked. */
export function parseHubUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL.`, 'Give the URL `dstack hub` printed, such as http://127.0.0.1:8733/ or https://hub.example.com/.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`"${value}" is not an http or https URL.`, 'Give the URL `dstack hub` printed, such as https://hub.example.com/.');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new InvalidArgumentError(`"${value}" carries a user, query or fragment; a hub URL has none.`, 'Give only scheme, host, port and path, such as https://hub.example.com/.');
  }
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function unreachable(url: URL, err: unknown): DstackError {
  const cause = (err as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (err as { name?: string }).name;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new DstackError('unavailable', `There is no host named ${url.hostname}.`, { fix: 'Check the hub URL: its host name is misspelt or not in DNS.' });
  }
  if (code === 'TimeoutError') {
    return new DstackError('unavailable', `The hub at ${url.origin} did not answer within ${CHECK_MS / 1000} s.`, { fix: 'Check that the hub is up and that no firewall or proxy drops the connection.' });
  }
  return new DstackError('unavailable', `No hub answers at ${url.origin} (${code ?? 'connection failed'}).`, {
    fix: 'Check the URL and port, and that `dstack hub` is running there.',
  });
}

/** Asks the hub who the token is; every failure is one DstackError with its fix. */
export async function checkHub(url: URL, token: string): Promise<MeAnswer> {
  let res: Response;
  try {
    res = await fetch(new URL('api/v1/me', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-dstack-api-version': '1', 'user-agent': `dstack/${appVersion()}` },
      body: '{}',
      redirect: 'error',
      signal: AbortSignal.timeout(CHECK_MS),
    });
  } catch (err) {
    throw unreachable(url, err);
  }
  const text = await res.text();
  let body: { result?: MeAnswer; error?: { code: string; message: string; fix?: string } } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  if (!body || (!body.result && !body.error)) {
    throw new DstackError('config', `${url.href} answered HTTP ${res.status}, but it is not a dstack hub.`, { fix: 'Give the URL that `dstack hub` printed (a proxy in front of it must pass /api/v1/ through).' });
  }
  if (res.status === 401) {
    throw new DstackError('credentials', 'The hub refused the token: it is unknown, revoked or was replaced by a new one.', {
      fix: 'Ask the hub admin for a new token (users.rotate), then run `dstack config hub` again.',
    });
  }
  if (body.error) throw new DstackError('config', `The hub refused the connection: ${body.error.message}`, { ...(body.error.fix ? { fix: body.error.fix } : {}) });
  return body.result!;
}

/** Checks the connection, then keeps the token in the keychain and the URL and project in DSTACK_HOME. */
export async function configHub(home: string, opts: { url: string; project: string }, token: string, keychain = new Keychain(HUB_KEYCHAIN_SERVICE)): Promise<string> {
  const url = parseHubUrl(opts.url);
  const t = token.trim();
  if (!t) throw new InvalidArgumentError('No token given.', 'Paste the token the hub admin gave you at the prompt, or pipe it on stdin.');
  const me = await checkHub(url, t);
  const project = me.projects.find((p) => p.name === opts.project);
  if (!project) {
    const yours = me.projects.map((p) => p.name);
    throw new NotFoundError(
      `Project "${opts.project}" not found on the hub ${url.origin} (or you are not a member of it).`,
      yours.length ? `Your projects there: ${yours.join(', ')}. Or ask the hub admin to add you to "${opts.project}".` : `You are in no project there yet: ask the hub admin to add you to "${opts.project}".`,
    );
  }
  await keychain.set(url.href, t);
  const connection: HubConnection = { url: url.href, project: project.name };
  await writeFileAtomically(join(home, HUB_CONNECTION_FILE), JSON.stringify(connection, null, 2) + '\n');
  return `Connected to the hub at ${url.href} as ${me.user.name}: project ${project.name}, role ${project.role}. The token is in the OS keychain.`;
}

export function configHubCommand(ctx: CliContext): Command {
  return new Command('hub')
    .description('Use a team hub: asks for your token (hidden) and keeps it in the OS keychain.')
    .option('--url <url>', 'the hub URL that `dstack hub` printed')
    .option('--project <name>', 'the hub project to use')
    .action(async (opts: { url?: string; project?: string }) => {
      // Chosen from `dstack config`'s list, with nothing given yet: say the whole command rather than fail on a missing option.
      if (opts.url === undefined && opts.project === undefined) return void console.log(`To use a team hub, run: ${USAGE}`);
      if (opts.url === undefined || opts.project === undefined) {
        throw new InvalidArgumentError(`\`dstack config hub\` needs ${opts.url === undefined ? '--url' : '--project'} too.`, `Run: ${USAGE}`);
      }
      parseHubUrl(opts.url);
      const token = await readSecret('Hub token (hidden): ');
      console.log(await configHub(ctx.home, { url: opts.url, project: opts.project }, token));
    });
}
