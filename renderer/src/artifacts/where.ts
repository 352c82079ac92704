/**
 * Where an artifact's bytes are, for the row's badge: in the backend's
 * storage (S3, or the local backend's folder), being downloaded, in the drag
 * cache, or downloaded to this computer. The storage's name comes from the
 * configured backend through a context, so rows need no extra prop.
 */
import { createContext } from 'react';
import type { ItemTask } from './tasks';

/** The badge for bytes still only in the backend's storage. */
export const StorageLabel = createContext('in storage');

/** The storage label for a backend name from `setup.get`. */
export function storageLabel(backend: string | null | undefined): string {
  return backend === 'aws' ? 'in S3' : backend === 'local' ? 'in local storage' : 'in storage';
}

export function whereBadge(opts: { cached: boolean; task: ItemTask | undefined; ipc: boolean; storage: string }): { text: string; kind: 'ready' | 'downloading' | 'remote' } {
  const { cached, task, ipc, storage } = opts;
  if (task?.state === 'running') return { text: `downloading ${task.total ? Math.floor((task.bytes / task.total) * 100) : 0}%`, kind: 'downloading' };
  if (task?.kind === 'download' && task.state === 'done') return { text: ipc ? 'on this computer' : 'in your downloads', kind: 'ready' };
  if (cached) return { text: 'in the drag cache', kind: 'ready' };
  return { text: storage, kind: 'remote' };
}
