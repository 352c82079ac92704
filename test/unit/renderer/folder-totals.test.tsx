// @vitest-environment jsdom
// The tree shows a folder as soon as its listing arrives; its total (bytes
// and file count at every depth) fills in when main has counted it.
import { act, cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ArtifactEntry, FolderTotal } from '../../../main/common/api/operations';
import { ArtifactBrowser } from '../../../renderer/src/artifacts/ArtifactBrowser';
import { renderWithApi } from './render';

afterEach(cleanup);

const dir = (id: string, name: string): ArtifactEntry => ({ id, name, isDir: true, size: 0, cached: false });

describe('folder totals', () => {
  it('shows the tree first, then each folder total as it is counted', async () => {
    const pending = new Map<string, (t: FolderTotal) => void>();
    const { api } = renderWithApi(<ArtifactBrowser projectId="p1" runName="run-1" ipc={false} />, {
      'tags.list': () => [],
      'artifacts.list': () => ({ entries: [dir('d1', 'checkpoints'), dir('d2', 'logs'), { id: 'f1', name: 'a.txt', isDir: false, size: 2048, cached: false }] }),
      'artifacts.folderTotal': ({ itemId }) => new Promise((resolve) => pending.set(itemId, resolve)),
    });
    const ckpt = await screen.findByRole('treeitem', { name: 'checkpoints' });
    const logs = screen.getByRole('treeitem', { name: 'logs' });
    expect(within(ckpt).getByText('counting…')).toBeTruthy();
    expect(within(screen.getByRole('treeitem', { name: 'a.txt' })).getByText('2.0 KB')).toBeTruthy();
    expect(api.inputsOf('artifacts.folderTotal')).toEqual([{ itemId: 'd1' }, { itemId: 'd2' }]);

    await act(async () => pending.get('d2')!({ files: 1, bytes: 10 }));
    expect(within(logs).getByText('10 B · 1 file')).toBeTruthy();
    expect(within(ckpt).getByText('counting…')).toBeTruthy();
    await act(async () => pending.get('d1')!({ files: 12_345, bytes: 3 * 1024 ** 3 }));
    expect(within(ckpt).getByText('3.0 GB · 12,345 files')).toBeTruthy();
  });

  it('keeps the tree usable when a total cannot be counted', async () => {
    renderWithApi(<ArtifactBrowser projectId="p1" runName="run-1" ipc={false} />, {
      'tags.list': () => [],
      'artifacts.list': () => ({ entries: [dir('d1', 'checkpoints')] }),
      'artifacts.folderTotal': () => Promise.reject({ code: 'unavailable', message: 'S3 did not answer.' }),
    });
    const ckpt = await screen.findByRole('treeitem', { name: 'checkpoints' });
    const cell = await within(ckpt).findByText('size unknown');
    expect(cell.getAttribute('title')).toBe('S3 did not answer.');
  });
});
