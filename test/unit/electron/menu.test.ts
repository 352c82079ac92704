import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', async () => (await import('./electron-mock')).electronMock);

const { electronMock } = await import('./electron-mock');
const { menuTemplate } = await import('../../../main/electron-main/menu');

function items(t: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return t.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? items(i.submenu) : [])]);
}

describe('the menu', () => {
  it('has the usual menus', () => {
    const t = menuTemplate(() => undefined, false);
    const names = t.map((m) => m.label ?? m.role);
    expect(names).toEqual(expect.arrayContaining(['File', 'editMenu', 'View', 'windowMenu', 'help']));
  });

  it('shows developer tools only in development', () => {
    expect(items(menuTemplate(() => undefined, false)).some((i) => i.role === 'toggleDevTools')).toBe(false);
    expect(items(menuTemplate(() => undefined, true)).some((i) => i.role === 'toggleDevTools')).toBe(true);
  });

  it('About shows the version', () => {
    const about = items(menuTemplate(() => undefined, false)).find((i) => i.label === 'About dstack')!;
    (about.click as () => void)();
    expect(electronMock.dialog.showMessageBox).toHaveBeenCalledWith(expect.objectContaining({ message: 'dstack Desktop 0.0.0-test' }));
  });

  it('Documentation opens the allow-listed docs in the browser', () => {
    const docs = items(menuTemplate(() => undefined, false)).find((i) => i.label === 'Documentation')!;
    (docs.click as () => void)();
    expect(electronMock.shell.openExternal).toHaveBeenCalledWith('https://dstack.ai/docs');
  });
});
