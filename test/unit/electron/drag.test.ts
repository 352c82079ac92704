import { mkdir, mkdtemp, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-mock')).electronMock);

const { FakeBrowserWindow } = await import('./electron-mock');
const { electronHost } = await import('../../../main/electron-main/host');
const { ApiService } = await import('../../../main/service/api');

let home: string;
let outside: string;
let service: InstanceType<typeof ApiService>;
const win = new FakeBrowserWindow({});

function item(name: string, isDir = false) {
  return service.ctx.items.add({ projectId: 'p', repo: 'r-1', ref: 'run-a-1', path: `out/${name}`, name, isDir, size: 5 });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-drag-'));
  outside = await mkdtemp(join(tmpdir(), 'dstack-outside-'));
  await writeFile(join(outside, 'secret.txt'), 'not yours');
  service = new ApiService({ home, version: '0', host: electronHost(() => win as never, '/icon.png') });
});
afterAll(async () => {
  await service.dispose();
  await rm(home, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});
beforeEach(() => win.webContents.startDrag.mockClear());

describe('startDrag', () => {
  it('drags a cached file, by its real path inside the cache folder', async () => {
    const it1 = item('model.bin');
    const path = service.ctx.cache.pathFor(it1.id, it1.name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, 'bytes');
    await service.call('artifacts.startDrag', { itemId: it1.id });
    expect(win.webContents.startDrag).toHaveBeenCalledTimes(1);
    const file = win.webContents.startDrag.mock.calls[0]![0].file as string;
    expect(file).toBe(await realpath(path));
    expect(file.startsWith(await realpath(join(home, 'app', 'drag-cache')))).toBe(true);
  });

  it('refuses an item that is not downloaded yet', async () => {
    const it2 = item('remote.bin');
    await expect(service.call('artifacts.startDrag', { itemId: it2.id })).rejects.toMatchObject({ code: 'not_found' });
    expect(win.webContents.startDrag).not.toHaveBeenCalled();
  });

  it('refuses a cache entry that is a link to a file outside the cache', async () => {
    const it3 = item('link.txt');
    const path = service.ctx.cache.pathFor(it3.id, it3.name);
    await mkdir(join(path, '..'), { recursive: true });
    await symlink(join(outside, 'secret.txt'), path);
    await expect(service.call('artifacts.startDrag', { itemId: it3.id })).rejects.toBeDefined();
    expect(win.webContents.startDrag).not.toHaveBeenCalled();
  });

  it('refuses ids it never issued and anything shaped like a path', async () => {
    await expect(service.call('artifacts.startDrag', { itemId: 'never-issued-id' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.call('artifacts.startDrag', { itemId: '../../etc/passwd' })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(service.call('artifacts.startDrag', { itemId: join(outside, 'secret.txt') })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(win.webContents.startDrag).not.toHaveBeenCalled();
  });

  it('drags a downloaded folder, by its real path inside the cache folder', async () => {
    const dir = item('checkpoints', true);
    const path = service.ctx.cache.pathFor(dir.id, dir.name);
    await mkdir(join(path, 'epoch1'), { recursive: true });
    await writeFile(join(path, 'epoch1', 'w.pt'), 'weights');
    await service.call('artifacts.startDrag', { itemId: dir.id });
    expect(win.webContents.startDrag).toHaveBeenCalledTimes(1);
    const file = win.webContents.startDrag.mock.calls[0]![0].file as string;
    expect(file).toBe(await realpath(path));
    expect((await stat(file)).isDirectory()).toBe(true);
    expect(file.startsWith(`${await realpath(join(home, 'app', 'drag-cache'))}/`)).toBe(true);
  });

  it('refuses a folder whose download has not finished', async () => {
    const dir = item('half', true);
    const path = service.ctx.cache.pathFor(dir.id, dir.name);
    await mkdir(`${path}.partial`, { recursive: true });
    await writeFile(join(`${path}.partial`, 'first.bin'), 'only one of many');
    await expect(service.call('artifacts.startDrag', { itemId: dir.id })).rejects.toMatchObject({ code: 'not_found' });
    expect(win.webContents.startDrag).not.toHaveBeenCalled();
  });

  it('refuses a folder entry that is a link to a folder outside the cache', async () => {
    const dir = item('linked', true);
    const path = service.ctx.cache.pathFor(dir.id, dir.name);
    await mkdir(join(path, '..'), { recursive: true });
    await symlink(outside, path);
    await expect(service.call('artifacts.startDrag', { itemId: dir.id })).rejects.toBeDefined();
    expect(win.webContents.startDrag).not.toHaveBeenCalled();
  });

  it('refuses a cache entry of the other kind than its item', async () => {
    const file = item('model.pt');
    await mkdir(service.ctx.cache.pathFor(file.id, file.name), { recursive: true });
    await expect(service.call('artifacts.startDrag', { itemId: file.id })).rejects.toMatchObject({ code: 'not_found' });
    const dir = item('weights', true);
    const path = service.ctx.cache.pathFor(dir.id, dir.name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, 'a file where a folder should be');
    await expect(service.call('artifacts.startDrag', { itemId: dir.id })).rejects.toMatchObject({ code: 'not_found' });
    expect(win.webContents.startDrag).not.toHaveBeenCalled();
  });
});
