// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ArtifactEntry } from '../../../main/common/api/operations';
import { ArtifactRow, DRAG_TYPE } from '../../../renderer/src/artifacts/ArtifactRow';
import { listenForTasks } from '../../../renderer/src/artifacts/tasks';
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
    expect(screen.getByText('ready')).toBeTruthy();
  });

  it('never asks Electron to drag a file that is not cached', () => {
    const { api } = renderWithApi(<ArtifactRow entry={file()} level={1} ipc />, {});
    const data = dragStart(screen.getByRole('treeitem', { name: 'model.bin' }));
    expect(data.get(DRAG_TYPE)).toBe('item-1');
    expect(api.calls).toEqual([]);
    expect(screen.getByText('remote')).toBeTruthy();
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
