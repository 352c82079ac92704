// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ArtifactEntry } from '../../../main/common/api/operations';
import { ArtifactRow, DRAG_TYPE } from '../../../renderer/src/artifacts/ArtifactRow';
import { listenForTasks } from '../../../renderer/src/artifacts/tasks';
import { StorageLabel } from '../../../renderer/src/artifacts/where';
import { renderWithApi } from './render';

afterEach(cleanup);

const file = (over: Partial<ArtifactEntry> = {}): ArtifactEntry => ({ id: 'item-1', name: 'model.bin', isDir: false, size: 50 * 1024 * 1024, cached: false, ...over });

function dragStart(el: HTMLElement): Map<string, string> {
  const data = new Map<string, string>();
  fireEvent.dragStart(el, { dataTransfer: { setData: (k: string, v: string) => data.set(k, v), effectAllowed: '' } });
  return data;
}

describe('ArtifactRow drag', () => {
  it('puts the item id on the HTML5 drag and, in Electron, hands cached files to startDrag', () => {
    const { api } = renderWithApi(<ArtifactRow entry={file({ cached: true })} level={1} ipc />, { 'artifacts.startDrag': () => undefined });
    const data = dragStart(screen.getByRole('treeitem', { name: 'model.bin' }));
    expect(data.get(DRAG_TYPE)).toBe('item-1');
    expect(api.inputsOf('artifacts.startDrag')).toEqual([{ itemId: 'item-1' }]);
    expect(screen.getByText('in the drag cache')).toBeTruthy();
  });

  it('never asks Electron to drag a file that is not cached', () => {
    const { api } = renderWithApi(<ArtifactRow entry={file()} level={1} ipc />, {});
    const data = dragStart(screen.getByRole('treeitem', { name: 'model.bin' }));
    expect(data.get(DRAG_TYPE)).toBe('item-1');
    expect(api.calls).toEqual([]);
    expect(screen.getByText('in storage')).toBeTruthy();
  });
});

describe('ArtifactRow download', () => {
  it('shows progress, speed and time left, cancels, and resumes', async () => {
    const { api } = renderWithApi(<ArtifactRow entry={file({ id: 'item-2' })} level={1} ipc={false} />, {
      'artifacts.download': () => ({ taskId: 't1' }),
      'tasks.cancel': () => undefined,
    });
    const off = listenForTasks(api);
    await userEvent.click(screen.getByRole('button', { name: 'Download model.bin' }));
    act(() => api.emit('task.progress', { taskId: 't1', state: 'running', bytes: 25 * 1024 * 1024, total: 50 * 1024 * 1024, bytesPerSec: 5 * 1024 * 1024, etaSec: 5 }));
    expect((screen.getByRole('progressbar', { name: 'Downloading model.bin' }) as HTMLProgressElement).value).toBe(50);
    expect(screen.getByText('50% · 5.0 MB/s · 5s left')).toBeTruthy();
    expect(screen.getByText('downloading 50%')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel download of model.bin' }));
    expect(api.inputsOf('tasks.cancel')).toEqual([{ taskId: 't1' }]);
    act(() => api.emit('task.progress', { taskId: 't1', state: 'cancelled', bytes: 25 * 1024 * 1024, total: 50 * 1024 * 1024, bytesPerSec: 0 }));
    expect(screen.getByText('Cancelled at 50%.')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Resume download of model.bin' }));
    expect(api.inputsOf('artifacts.download')).toHaveLength(2);
    off();
  });
});

describe('ArtifactRow after a download', () => {
  it('says the bytes are in S3 before, in your downloads after, and can download again', async () => {
    let n = 0;
    const { api } = renderWithApi(
      <StorageLabel.Provider value="in S3">
        <ArtifactRow entry={file({ id: 'item-3' })} level={1} ipc={false} />
      </StorageLabel.Provider>,
      { 'artifacts.download': () => ({ taskId: `t${(n += 1)}` }) },
    );
    const off = listenForTasks(api);
    expect(screen.getByText('in S3')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Download model.bin' }));
    act(() => api.emit('task.progress', { taskId: 't1', state: 'done', bytes: 10, total: 10, bytesPerSec: 0 }));
    expect(screen.getByText('in your downloads')).toBeTruthy();
    expect(screen.getByText('Downloaded')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Download model.bin again' }));
    expect(api.inputsOf('artifacts.download')).toEqual([{ itemId: 'item-3' }, { itemId: 'item-3' }]);
    off();
  });
});

describe('ArtifactRow folder drag', () => {
  const folder = file({ id: 'dir-1', name: 'checkpoints', isDir: true, size: 0 });

  it('makes a folder draggable only after "Prepare drag" fetched it, showing where the bytes are: in storage, downloading %, in the drag cache', async () => {
    const { api } = renderWithApi(<ArtifactRow entry={folder} level={1} ipc expanded={false} onToggle={() => undefined} />, {
      'artifacts.folderTotal': () => ({ files: 3, bytes: 2048 }),
      'artifacts.cache': () => ({ taskId: 'c1' }),
      'artifacts.startDrag': () => undefined,
      'tasks.cancel': () => undefined,
    });
    const off = listenForTasks(api);
    const row = screen.getByRole('treeitem', { name: 'checkpoints' });
    expect(within(row).getByText('in storage')).toBeTruthy();
    dragStart(row);
    expect(api.inputsOf('artifacts.startDrag')).toEqual([]);

    await userEvent.click(screen.getByRole('button', { name: 'Prepare checkpoints for dragging out' }));
    expect(api.inputsOf('artifacts.cache')).toEqual([{ itemId: 'dir-1' }]);
    act(() => api.emit('task.progress', { taskId: 'c1', state: 'running', bytes: 800, total: 2048, bytesPerSec: 100 }));
    expect(within(row).getByText('downloading 39%')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel download of checkpoints' }));
    act(() => api.emit('task.progress', { taskId: 'c1', state: 'cancelled', bytes: 800, total: 2048, bytesPerSec: 0 }));
    expect(within(row).getByText('in storage')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Resume download of checkpoints' }));
    expect(api.inputsOf('artifacts.cache')).toHaveLength(2);
    act(() => api.emit('task.progress', { taskId: 'c1', state: 'done', bytes: 2048, total: 2048, bytesPerSec: 0 }));
    expect(within(row).getByText('in the drag cache')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Prepare checkpoints for dragging out' })).toBeNull();

    const data = dragStart(row);
    expect(data.get(DRAG_TYPE)).toBe('dir-1');
    expect(api.inputsOf('artifacts.startDrag')).toEqual([{ itemId: 'dir-1' }]);
    off();
  });

  it('offers no "Prepare drag" in the browser, where nothing can be dragged out', () => {
    renderWithApi(<ArtifactRow entry={folder} level={1} ipc={false} expanded={false} onToggle={() => undefined} />, {
      'artifacts.folderTotal': () => ({ files: 3, bytes: 2048 }),
    });
    expect(screen.getByRole('button', { name: 'Download checkpoints' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /for dragging out/ })).toBeNull();
  });
});
