// The app's side of a team hub (the service, as the Electron main process and
// `dstack server` build it, with the CLI's hub client): the wizard's test
// names what is wrong with a URL, a token or the hub's version, connecting keeps the token in the
// OS keychain (real keytar, test/with-keyring.sh) and in no file under
// DSTACK_HOME, and then the project operations go to the hub's project: a
// run submitted from the app runs there, runs.list and runs.watch show it,
// logs.follow streams its log back to the window that asked. A read member
// is told its role; choosing Local leaves the hub.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUB_CONNECTION_FILE } from '../../../main/cli/commands/config-hub';
import { cliHubLink } from '../../../main/cli/hub-link';
import type { ApiEvents } from '../../../main/common/api/operations';
import { startHub } from '../../../main/hub/server/hub-server';
import { projectHome } from '../../../main/hub/server/project-backend';
import { Keychain } from '../../../main/node/keychain';
import { appVersion } from '../../../main/server/cli-command';
import { ApiService } from '../../../main/service/api';
import { waitFor } from '../../helpers/wait';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';

let h: HubHarness;
let url: string;
let tmp: string;
const tokens: Record<string, string> = {};
const keychain = new Keychain(`dstack-hub-app-test-${randomBytes(4).toString('hex')}`);
const services: ApiService[] = [];

async function admin(action: string, input: unknown): Promise<unknown> {
  const r = await h.post(action, input, h.adminToken);
  if (r.status !== 200) throw new Error(`${action} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.result;
}

/** The app of one member: its own DSTACK_HOME, the hub link the app's main process gets. */
async function app(name: string, downloads?: string): Promise<{ service: ApiService; home: string }> {
  const home = join(tmp, name);
  await mkdir(home, { recursive: true, mode: 0o700 });
  const host = { transport: 'ipc' as const, ...(downloads ? { downloadsDir: () => downloads } : {}) };
  const service = new ApiService({ home, version: '0.1.0', host, reconcile: false, hubLink: cliHubLink(keychain) });
  services.push(service);
  return { service, home };
}

/** Every file under `dir`, with its text. */
async function filesUnder(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    out.push({ path, text: await readFile(path, 'latin1') });
  }
  return out;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dstack-hub-app-'));
  h = await startHubHarness();
  url = `http://127.0.0.1:${h.hub.port}/`;
  await admin('projects.create', { name: 'alpha', backend: 'local' });
  await admin('projects.create', { name: 'bravo', backend: 'local' });
  const workflows = join(projectHome(join(h.home, 'hub'), 'alpha'), 'workspace', '.dstack', 'workflows');
  await mkdir(workflows, { recursive: true });
  await copyFile(resolve(import.meta.dirname, '..', '..', '..', 'examples', 'hello', '.dstack', 'workflows', 'hello.yaml'), join(workflows, 'hello.yaml'));
  for (const [name, role] of [['ana', 'run'], ['rita', 'read']] as const) {
    tokens[name] = ((await admin('users.create', { name })) as { token: string }).token;
    await admin('members.set', { project: 'alpha', user: name, role });
  }
}, 120_000);

afterAll(async () => {
  for (const s of services) await s.dispose();
  await keychain.delete(url).catch(() => false);
  await h?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('the app through a team hub', () => {
  it("tests a URL and token with the CLI's messages, and lists the token's projects", async () => {
    const { service } = await app('tester');
    await expect(service.call('hub.test', { url, token: 'not-a-token' })).rejects.toMatchObject({
      message: 'The hub refused the token: it is unknown, revoked or was replaced by a new one.',
    });
    const down = createServer();
    await new Promise<void>((r) => down.listen(0, '127.0.0.1', () => r()));
    const port = (down.address() as AddressInfo).port;
    await new Promise<void>((r) => down.close(() => r()));
    await expect(service.call('hub.test', { url: `http://127.0.0.1:${port}/`, token: tokens.ana })).rejects.toMatchObject({
      message: `No hub answers at http://127.0.0.1:${port} (ECONNREFUSED).`,
    });
    await expect(service.call('hub.test', { url: 'hub.example', token: tokens.ana })).rejects.toMatchObject({ message: '"hub.example" is not a URL.' });
    const newer = await startHub({ store: h.store, home: h.home, version: '7.0.0', port: 0 });
    try {
      await expect(service.call('hub.test', { url: `http://127.0.0.1:${newer.port}/`, token: tokens.ana })).rejects.toMatchObject({
        message: `The hub refused the connection: This hub runs dstack 7.0.0; the client is dstack ${appVersion()}, another major version.`,
        fix: `Use a dstack 7.x client with this hub, or upgrade the hub (it runs dstack 7.0.0).`,
      });
    } finally {
      await newer.close();
    }
    await expect(service.call('hub.test', { url, token: '' })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await service.call('hub.test', { url, token: tokens.ana })).toEqual({ user: 'ana', projects: [{ name: 'alpha', role: 'run', backend: 'local' }] });
    // A test saves nothing.
    expect(await keychain.get(url)).toBeNull();
    expect((await service.call('app.info', undefined)).configured).toBe(false);
  });

  it('connects with the token in the keychain only, then runs, lists and follows logs through the hub', async () => {
    const downloads = join(tmp, 'ana-downloads');
    await mkdir(downloads);
    const { service, home } = await app('ana', downloads);
    const config = await service.call('hub.connect', { url, token: tokens.ana, project: 'alpha' });
    expect(config).toEqual({ backend: 'local', home, hub: { url, project: 'alpha', role: 'run', user: 'ana' } });
    expect(await keychain.get(url)).toBe(tokens.ana);
    const files = await filesUnder(home);
    expect(files.map((f) => f.path)).toContain(join(home, HUB_CONNECTION_FILE));
    expect(files.filter((f) => f.text.includes(tokens.ana!)).map((f) => f.path)).toEqual([]);
    expect((await service.call('app.info', undefined)).configured).toBe(true);
    expect((await service.call('setup.get', undefined)).draft).toEqual({ step: 'done', backend: 'hub', hubUrl: url });
    const [project] = await service.call('projects.recent', undefined);
    expect(project).toMatchObject({ name: 'alpha' });
    const projectId = project!.id;

    const seen: { event: string; payload: unknown; clientId?: string }[] = [];
    service.hub.listen((event, payload, clientId) => seen.push({ event, payload, ...(clientId ? { clientId } : {}) }));
    const watch = await service.call('runs.watch', { projectId }, { clientId: 'window-1' });

    const { runName } = await service.call('runs.submit', { projectId, workflow: 'hello', args: [] });
    // The run is the hub project's: the hub's own API lists it.
    const onHub = await h.post('projects/alpha/ops/runs.list', { projectId: 'hub', all: true }, tokens.ana);
    expect((onHub.body.result as { runName: string }[]).map((r) => r.runName)).toContain(runName);

    const { subscriptionId } = await service.call('logs.follow', { projectId, runName }, { clientId: 'window-1' });
    const batches = () => seen.filter((s) => s.event === 'logs.lines' && (s.payload as ApiEvents['logs.lines']).subscriptionId === subscriptionId);
    const done = await waitFor(`the end of ${runName}'s log, relayed from the hub`, batches, (b) => b.some((s) => (s.payload as ApiEvents['logs.lines']).done), { timeoutMs: 120_000 });
    const text = done.flatMap((s) => (s.payload as ApiEvents['logs.lines']).lines.map((l) => ('text' in l ? String(l.text) : ''))).join('');
    expect(text).toContain('Hello from dstack, line 5 of 5');
    expect(done.every((s) => s.clientId === 'window-1')).toBe(true);

    const runs = await waitFor(`${runName} done in runs.list through the hub`, () => service.call('runs.list', { projectId, all: true }), (r) => r.some((x) => x.runName === runName && x.status === 'done'), { timeoutMs: 60_000 });
    expect(runs.map((r) => r.runName)).toContain(runName);
    const watched = seen.filter((s) => s.event === 'runs.changed' && (s.payload as ApiEvents['runs.changed']).subscriptionId === watch.subscriptionId);
    expect(watched.length).toBeGreaterThan(0);
    expect(watched.every((s) => s.clientId === 'window-1')).toBe(true);
    // Its artifacts are listed through the hub, and downloaded through it into this machine's Downloads folder, a file and a folder.
    const top = await service.call('artifacts.list', { projectId, source: { runName }, prefix: '' });
    const output = top.entries.find((e) => e.name === 'output');
    expect(output).toMatchObject({ isDir: true });
    const inside = await service.call('artifacts.list', { projectId, source: { runName }, prefix: 'output/' });
    const file = inside.entries.find((e) => e.name === 'hello.txt');
    expect(file).toMatchObject({ isDir: false, size: `Hello, world! Written by run ${runName}.\n`.length });
    expect(await service.call('artifacts.folderTotal', { itemId: output!.id })).toEqual({ files: 1, bytes: file!.size });
    const finished = async (taskId: string) =>
      waitFor(`download task ${taskId} to finish`, () => seen.filter((s) => s.event === 'task.progress' && (s.payload as ApiEvents['task.progress']).taskId === taskId).map((s) => s.payload as ApiEvents['task.progress']), (p) => p.some((x) => x.state !== 'running'), { timeoutMs: 60_000 });
    const hello = `Hello, world! Written by run ${runName}.\n`;
    const one = await service.call('artifacts.download', { itemId: file!.id }, { clientId: 'window-1' });
    expect((await finished(one.taskId)).at(-1)).toMatchObject({ state: 'done', bytes: hello.length, total: hello.length });
    expect(await readFile(join(downloads, 'hello.txt'), 'utf8')).toBe(hello);
    const folder = await service.call('artifacts.download', { itemId: output!.id }, { clientId: 'window-1' });
    expect((await finished(folder.taskId)).at(-1)).toMatchObject({ state: 'done' });
    expect(await readFile(join(downloads, 'output', 'hello.txt'), 'utf8')).toBe(hello);
    await expect(service.call('logs.save', { projectId, runName })).rejects.toMatchObject({ message: 'Through a team hub, the app does not save a log to a file yet.' });
    // Nothing ran on this machine's own local backend (its storage would be DSTACK_HOME/local).
    expect(await readdir(home)).not.toContain('local');
  }, 240_000);

  it("tells a read member's role, refuses its run naming the role, and leaves the hub when Local is chosen", async () => {
    const { service, home } = await app('rita');
    await expect(service.call('hub.connect', { url, token: tokens.rita, project: 'bravo' })).rejects.toMatchObject({
      message: `Project "bravo" not found on the hub ${new URL(url).origin} (or you are not a member of it).`,
    });
    const config = await service.call('hub.connect', { url, token: tokens.rita, project: 'alpha' });
    expect(config.hub).toEqual({ url, project: 'alpha', role: 'read', user: 'rita' });
    const [project] = await service.call('projects.recent', undefined);
    await expect(service.call('runs.submit', { projectId: project!.id, workflow: 'hello', args: [] })).rejects.toMatchObject({ code: 'permission' });

    const local = await service.call('setup.useLocal', undefined);
    expect(local).toEqual({ backend: 'local', home });
    await expect(readFile(join(home, HUB_CONNECTION_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await service.call('setup.get', undefined)).config.hub).toBeUndefined();
    expect(await service.call('projects.recent', undefined)).toEqual([]);
  }, 120_000);
});
