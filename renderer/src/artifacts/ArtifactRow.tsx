/**
 * One file or folder in the tree: a treeitem holding its row and, for an
 * open folder, the group of its children (the ARIA tree pattern; keys in
 * `tree-keys.ts`, the single tab stop in `roving.ts`). Buttons in a row are
 * in the Tab order only while the row is the tree's tab stop, so Tab leaves
 * the tree instead of walking every row's buttons.
 *
 * Rows are draggable: the HTML5 drag carries the item's id
 * (`application/x-dstack-item`), and in Electron a cached item is handed to
 * the OS drag through `artifacts.startDrag` (Electron can only drag what
 * already exists on disk, hence "cached only"). Small files are cached when
 * selected; folders and larger files after "Prepare drag", a download into
 * the cache with the same progress, cancel and resume as any.
 */
import { useContext, useRef, type DragEvent, type FocusEvent, type ReactNode } from 'react';
import type { ArtifactEntry } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { formatBytes } from '../components/format';
import { FolderSize } from './FolderSize';
import { useSetTabStop, useTabStop } from './roving';
import { TaskProgressView } from './TaskProgressView';
import { useTasks } from './tasks';
import { onTreeKey } from './tree-keys';
import { StorageLabel, whereBadge } from './where';

export const DRAG_TYPE = 'application/x-dstack-item';

/** Files up to this size are fetched into the drag cache as soon as they are selected. */
const AUTO_CACHE_BYTES = 16 * 1024 * 1024;

export function ArtifactRow({ entry, level, ipc, first = false, expanded, onToggle, children }: {
  entry: ArtifactEntry;
  level: number;
  ipc: boolean;
  /** The tree's first row: its tab stop until the user focuses another. */
  first?: boolean;
  expanded?: boolean;
  onToggle?: () => void;
  /** An open folder's group of children. */
  children?: ReactNode;
}) {
  const api = useApi();
  const task = useTasks((s) => s.byItem[entry.id]);
  const started = useTasks((s) => s.started);
  const tabStop = useTabStop(entry.id, first);
  const setTabStop = useSetTabStop();
  const row = useRef<HTMLDivElement>(null);
  const cached = entry.cached || (task?.kind === 'cache' && task.state === 'done');
  const showTask = task && (task.kind === 'download' || task.state !== 'done');
  const tabIndex = tabStop ? 0 : -1;

  const download = async (kind: 'download' | 'cache') => {
    const ref = await api.call(kind === 'download' ? 'artifacts.download' : 'artifacts.cache', { itemId: entry.id });
    started(entry.id, ref.taskId, kind);
  };
  const onDragStart = (e: DragEvent) => {
    if (e.target !== e.currentTarget) return;
    e.dataTransfer.setData(DRAG_TYPE, entry.id);
    e.dataTransfer.setData('text/plain', entry.name);
    e.dataTransfer.effectAllowed = 'copy';
    // An open folder's treeitem holds its children; the drag shows just its own row.
    if (row.current) e.dataTransfer.setDragImage?.(row.current, 12, 12);
    if (ipc && cached) {
      e.preventDefault();
      void api.call('artifacts.startDrag', { itemId: entry.id });
    }
  };
  const onFocus = (e: FocusEvent) => {
    if ((e.target as Element).closest('[role="treeitem"]') !== e.currentTarget) return;
    setTabStop(entry.id);
    if (ipc && !entry.isDir && !cached && !task && entry.size <= AUTO_CACHE_BYTES) void download('cache');
  };
  const folder = entry.isDir && onToggle ? { expanded: expanded === true, toggle: onToggle } : undefined;
  const badge = whereBadge({ cached, task, ipc, storage: useContext(StorageLabel) });

  return (
    <div role="treeitem" aria-level={level} aria-expanded={entry.isDir ? expanded === true : undefined} aria-label={entry.name}
      className="artifact-item" draggable onDragStart={onDragStart} data-item-id={entry.id} tabIndex={tabIndex} onFocus={onFocus}
      onKeyDown={(e) => onTreeKey(e, { folder, activate: () => (folder ? folder.toggle() : void download('download')) })}>
      <div ref={row} className="artifact-row" style={{ paddingInlineStart: `${level - 1}rem` }}>
        {entry.isDir ? (
          <button type="button" className="link" tabIndex={-1} onClick={onToggle} aria-label={`${expanded ? 'Collapse' : 'Expand'} ${entry.name}`}>
            {expanded ? '▾' : '▸'} {entry.name}
          </button>
        ) : (
          <span>{entry.name}</span>
        )}
        {entry.isDir ? <FolderSize itemId={entry.id} /> : <span className="muted size">{formatBytes(entry.size)}</span>}
        <span className={`cache ${badge.kind}`}>{badge.text}</span>
        {showTask ? (
          <TaskProgressView name={entry.name} task={task} canReveal={ipc} tabIndex={tabIndex}
            onCancel={() => void api.call('tasks.cancel', { taskId: task.taskId })}
            onResume={() => void download(task.kind)}
            onReveal={() => void api.call('artifacts.reveal', { taskId: task.taskId })}
            onAgain={() => void download('download')} />
        ) : (
          <>
            <button type="button" tabIndex={tabIndex} onClick={() => void download('download')} aria-label={`Download ${entry.name}`}>
              Download
            </button>
            {ipc && !cached && (
              <button type="button" tabIndex={tabIndex} onClick={() => void download('cache')} aria-label={`Prepare ${entry.name} for dragging out`}
                title="Download into the app's cache, so it can be dragged to the desktop or a file manager">
                Prepare drag
              </button>
            )}
          </>
        )}
      </div>
      {children}
    </div>
  );
}
