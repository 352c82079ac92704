import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-mock')).electronMock);

const { FakeBrowserWindow, FakeFrame, FakeWebContents, handlers } = await import('./electron-mock');
const { registerIpc } = await import('../../../main/electron-main/ipc');
const { ApiService } = await import('../../../main/service/api');

const ORIGIN = 'dstack-app://ui';
let home: string;
let service: InstanceType<typeof ApiService>;
const win = new FakeBrowserWindow({});

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-ipc-'));
  service = new ApiService({ home, version: '1.2.3', host: { transport: 'ipc' } });
  registerIpc(service, () => win as never, ORIGIN);
});
afterAll(async () => {
  await service.dispose();
  await rm(home, { recursive: true, force: true });
});

const invoke = (op: string, event: unknown, input?: unknown) => handlers.get(`api:${op}`)!(event, input);
const fromOurWindow = () => ({ sender: win.webContents, senderFrame: win.webContents.mainFrame });

describe('IPC', () => {
  it('registers one handler per operation', () => {
    expect(handlers.has('api:runs.submit')).toBe(true);
    expect(handlers.has('api:secrets.set')).toBe(true);
  });

  it('answers our own window with a result envelope', async () => {
    expect(await invoke('app.info', fromOurWindow())).toEqual({
      result: { version: '1.2.3', transport: 'ipc', platform: process.platform, configured: false, localGpus: expect.any(Number) },
    });
  });

  it('rejects a sender that is another window', async () => {
    const other = new FakeWebContents(`${ORIGIN}/index.html`);
    const out = (await invoke('app.info', { sender: other, senderFrame: other.mainFrame })) as { error: { code: string } };
    expect(out.error.code).toBe('permission');
  });

  it('rejects a subframe of our window, and our window once it shows another origin', async () => {
    const sub = (await invoke('app.info', { sender: win.webContents, senderFrame: new FakeFrame(`${ORIGIN}/index.html`) })) as { error: unknown };
    expect(sub.error).toBeDefined();
    win.webContents.mainFrame.url = 'https://evil.example/';
    const away = (await invoke('app.info', fromOurWindow())) as { error: { message: string } };
    win.webContents.mainFrame.url = `${ORIGIN}/index.html`;
    expect(away.error.message).toMatch(/may not call/);
  });

  it('rejects a missing sender frame', async () => {
    expect(await invoke('app.info', { sender: win.webContents, senderFrame: null })).toHaveProperty('error');
  });

  it('validates arguments and names the bad field', async () => {
    const out = (await invoke('runs.stop', fromOurWindow(), { projectId: 'p1', runName: 'ok-run-1', abort: 'yes' })) as {
      error: { code: string; message: string; details: { fields: string[] } };
    };
    expect(out.error.code).toBe('invalid_argument');
    expect(out.error.message).toBe('Abort must be yes or no.');
    expect(out.error.details.fields).toEqual(['abort']);
  });

  it('refuses a path where an id is expected', async () => {
    const out = (await invoke('artifacts.startDrag', fromOurWindow(), { itemId: '../../etc/passwd' })) as { error: { message: string } };
    expect(out.error.message).toMatch(/^The artifact must be an id issued by the app/);
  });

  it('turns a failing operation into a typed error envelope', async () => {
    const out = (await invoke('runs.list', fromOurWindow(), { projectId: 'unknown' })) as { error: { code: string; fix: string } };
    expect(out.error).toMatchObject({ code: 'not_found', fix: 'Open its folder again.' });
  });

  it('pushes events to the window on one channel', () => {
    service.hub.emit('task.progress', { taskId: 't1', state: 'running', bytes: 1, total: 2, bytesPerSec: 1 });
    expect(win.webContents.sent.at(-1)).toEqual(['api:event', 'task.progress', expect.objectContaining({ taskId: 't1' })]);
  });
});
