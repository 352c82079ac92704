import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-mock')).electronMock);

const { electronMock, FakeBrowserWindow } = await import('./electron-mock');
const { electronHost } = await import('../../../main/electron-main/host');
const { ApiService } = await import('../../../main/service/api');

let home: string;
let project: string;
let service: InstanceType<typeof ApiService>;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-host-'));
  project = await mkdtemp(join(tmpdir(), 'dstack-hostproj-'));
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  service = new ApiService({ home, version: '0', host: electronHost(() => new FakeBrowserWindow({}) as never, '/icon.png') });
});
afterAll(async () => {
  await service.dispose();
  await rm(home, { recursive: true, force: true });
  await rm(project, { recursive: true, force: true });
});

describe('the desktop host', () => {
  it('opens a project through the native folder dialog', async () => {
    electronMock.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [project] });
    const p = await service.call('projects.open', {});
    expect(p).toMatchObject({ name: project.split('/').pop() });
    expect(electronMock.dialog.showOpenDialog).toHaveBeenCalledWith(expect.anything(), expect.objectContaining({ properties: ['openDirectory'] }));
  });

  it('answers null when the dialog is cancelled', async () => {
    electronMock.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] });
    expect(await service.call('projects.open', {})).toBeNull();
  });

  it('refuses a path sent by the page', async () => {
    await expect(service.call('projects.open', { path: '/etc' })).rejects.toThrow(/folder dialog, not by path/);
  });

  it('shows a desktop notification', () => {
    electronHost(() => undefined, '/icon.png').notify!('Run a-b-1 done', 'train');
    expect(electronMock.Notification).toHaveBeenCalledWith(expect.objectContaining({ title: 'Run a-b-1 done', body: 'train' }));
  });
});
