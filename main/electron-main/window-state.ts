/**
 * Remembers the window's size and place in the app state, and restores them
 * only when they still land on a connected display, so unplugging a monitor
 * never opens the app off-screen.
 */
import type { BrowserWindow, Rectangle } from 'electron';
import { screen } from 'electron';
import type { AppState, WindowBounds } from '../service/app-state';

function visible(b: WindowBounds, areas: Rectangle[]): boolean {
  if (b.x === undefined || b.y === undefined) return true;
  const { x, y } = b;
  return areas.some((a) => x < a.x + a.width && x + b.width > a.x && y < a.y + a.height && y + b.height > a.y);
}

/** The saved bounds, or undefined (default size, centred) when there are none or they are off-screen. */
export async function savedBounds(state: AppState): Promise<WindowBounds | undefined> {
  const b = (await state.read()).window;
  if (!b || !(b.width > 0 && b.height > 0)) return undefined;
  return visible(b, screen.getAllDisplays().map((d) => d.workArea)) ? b : { width: b.width, height: b.height, maximized: b.maximized };
}

/** Saves the bounds when the window moves, resizes (debounced) or closes. */
export function trackBounds(win: BrowserWindow, state: AppState): void {
  let timer: NodeJS.Timeout | undefined;
  const save = (): void => {
    if (win.isDestroyed()) return;
    const maximized = win.isMaximized();
    const b = maximized ? win.getNormalBounds() : win.getBounds();
    void state.update((s) => ({ ...s, window: { ...b, maximized } })).catch(() => undefined);
  };
  const later = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('close', () => {
    if (timer) clearTimeout(timer);
    save();
  });
}
