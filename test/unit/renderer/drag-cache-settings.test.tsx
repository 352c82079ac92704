// @vitest-environment jsdom
/**
 * Settings shows the drag cache's size against its cap, and the button that
 * empties it names the size it frees.
 */
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { Settings } from '../../../renderer/src/settings/Settings';
import { useToasts } from '../../../renderer/src/shell/toasts';
import { renderWithApi } from './render';

afterEach(cleanup);

describe('Settings: drag cache', () => {
  it('shows the size, clears it, and says what was freed', async () => {
    const { api } = renderWithApi(<Settings onEdit={() => undefined} onClose={() => undefined} />, {
      'setup.get': () => ({ draft: { step: 'done' }, config: { backend: 'local', home: '/h/.dstack' } }),
      'artifacts.cacheUsage': () => ({ bytes: 402 * 1024 ** 2, entries: 1, maxBytes: 2 * 1024 ** 3 }),
      'artifacts.clearCache': () => ({ freedBytes: 402 * 1024 ** 2, bytes: 0 }),
    });
    expect(await screen.findByText('402 MB in 1 item, limit 2.0 GB')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Clear drag cache (402 MB)' }));
    await waitFor(() => expect(screen.getByText('0 B in 0 items, limit 2.0 GB')).toBeTruthy());
    expect((screen.getByRole('button', { name: 'Clear drag cache (0 B)' }) as HTMLButtonElement).disabled).toBe(true);
    expect(api.calls.filter((c) => c.op === 'artifacts.clearCache')).toHaveLength(1);
    expect(useToasts.getState().toasts.at(-1)?.message).toBe('Freed 402 MB from the drag cache.');
  });
});
