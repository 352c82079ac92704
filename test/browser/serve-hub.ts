/**
 * `dstack server` (as serve.ts starts it) with the CLI's hub client, as the
 * real `dstack server` command passes it, beside a real team hub on the
 * SQLite store: a local-backend project `alpha` with examples/hello as its
 * workflows and one finished hello run, and members `ana` (role run) and
 * `rita` (role read). The hub's URL, their tokens and the run's name go to the JSON file named by
 * DSTACK_TEST_HUB_SETUP, for the spec; the token keeps to the keychain
 * service named by DSTACK_TEST_HUB_KEYCHAIN, so runs never share an entry.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliHubLink } from '../../main/cli/hub-link';
import { startHub } from '../../main/hub/server/hub-server';
import { projectHome } from '../../main/hub/server/project-backend';
import { openHubStore } from '../../main/hub/sql-store';
import { Keychain } from '../../main/node/keychain';
import { appVersion } from '../../main/server/cli-command';
import { startServer } from '../../main/server/server';
import { ROOT } from './build-renderer';

const home = process.env.DSTACK_HOME;
const setupFile = process.env.DSTACK_TEST_HUB_SETUP;
const keychainService = process.env.DSTACK_TEST_HUB_KEYCHAIN;
if (!home || !setupFile || !keychainService) throw new Error('DSTACK_HOME, DSTACK_TEST_HUB_SETUP and DSTACK_TEST_HUB_KEYCHAIN must be set');

const hubHome = await mkdtemp(join(tmpdir(), 'dstack-ui-hub-'));
const store = await openHubStore({ home: hubHome });
const admin = await store.bootstrapAdmin('admin');
if (!admin) throw new Error('bootstrapAdmin gave no token on an empty store');
const hub = await startHub({ store, home: hubHome, version: appVersion(), port: 0 });
const hubUrl = `http://127.0.0.1:${hub.port}/`;

async function post(path: string, input: unknown, token: string): Promise<unknown> {
  const res = await fetch(new URL(`api/v1/${path}`, hubUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${body.error?.message}`);
  return body.result;
}

await post('projects.create', { name: 'alpha', backend: 'local' }, admin.token);
const workflows = join(projectHome(join(hubHome, 'hub'), 'alpha'), 'workspace', '.dstack', 'workflows');
await mkdir(workflows, { recursive: true });
await copyFile(join(ROOT, 'examples', 'hello', '.dstack', 'workflows', 'hello.yaml'), join(workflows, 'hello.yaml'));
const ana = ((await post('users.create', { name: 'ana' }, admin.token)) as { token: string }).token;
await post('members.set', { project: 'alpha', user: 'ana', role: 'run' }, admin.token);
const rita = ((await post('users.create', { name: 'rita' }, admin.token)) as { token: string }).token;
await post('members.set', { project: 'alpha', user: 'rita', role: 'read' }, admin.token);
const { runName } = (await post('projects/alpha/ops/runs.submit', { projectId: 'hub', workflow: 'hello', args: [] }, ana)) as { runName: string };

const server = await startServer({
  home,
  version: '0.0.0-test',
  rendererDir: join(ROOT, 'out', 'renderer'),
  port: 0,
  hubLink: cliHubLink(new Keychain(keychainService)),
});
await writeFile(setupFile, JSON.stringify({ hubUrl, token: ana, readToken: rita, runName }), { mode: 0o600 });
console.log(`DSTACK_URL ${server.url}`);
const stop = async (): Promise<void> => {
  await server.close();
  await hub.close();
  await store.close();
  await new Keychain(keychainService).delete(hubUrl).catch(() => false);
  await rm(hubHome, { recursive: true, force: true });
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
