/**
 * `dstack ls` and `dstack cp` through a team hub. The hub names artifacts
 * by item ids, one folder level per `artifacts.list` call, so both walk
 * the tree from the given path; a download is the hub's task
 * (`artifacts.download`), whose final event carries the URL the bytes are
 * fetched from. Each file lands through a `.part` file renamed once its
 * every byte came; resuming a cut download is not done here yet.
 */
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { ApiEvents, ArtifactSource } from '../../common/api/operations';
import { DstackError, fromSerialized, NotFoundError } from '../../common/errors';
import type { HubClient } from './client';

/** One artifact file: its path inside the run's artifacts, size, and the hub's id for it. */
export interface HubArtifactFile {
  path: string;
  size: number;
  id: string;
}

function sourceOf(ref: string): ArtifactSource {
  return ref.startsWith(':') ? { tag: ref.slice(1) } : { runName: ref };
}

const clean = (path: string): string => path.replace(/^\/+|\/+$/g, '');

async function listLevel(hub: HubClient, source: ArtifactSource, prefix: string): Promise<{ id: string; name: string; isDir: boolean; size: number }[]> {
  const out = [];
  let token: string | undefined;
  do {
    const page = await hub.call('artifacts.list', { projectId: hub.projectId, source, prefix, ...(token ? { token } : {}) });
    out.push(...page.entries);
    token = page.next;
  } while (token);
  return out;
}

/** Every file at or under `path` of a run's (or `:TAG`'s) artifacts, in path order as a local listing gives them. */
export async function hubArtifactFiles(hub: HubClient, ref: string, path: string): Promise<HubArtifactFile[]> {
  const source = sourceOf(ref);
  const rel = clean(path);
  const files: HubArtifactFile[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const e of await listLevel(hub, source, folder)) {
      const p = folder ? `${folder}/${e.name}` : e.name;
      if (e.isDir) await walk(p);
      else files.push({ path: p, size: e.size, id: e.id });
    }
  };
  if (rel) {
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    const file = (await listLevel(hub, source, parent)).find((e) => !e.isDir && e.name === basename(rel));
    if (file) return [{ path: rel, size: file.size, id: file.id }];
  }
  await walk(rel);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

type Progress = ApiEvents['task.progress'];

/** Downloads `files` (under `src` of `ref`) to `dst` as `dstack cp` places them locally; resolves with the files and bytes written. */
export async function hubCopy(hub: HubClient, ref: string, src: string, dst: string): Promise<{ files: number; bytes: number }> {
  const rel = clean(src);
  const files = await hubArtifactFiles(hub, ref, src);
  if (!files.length) throw new NotFoundError(`No artifact ${rel || '(any)'} in this run.`, 'List them with `dstack ls`.');
  const single = files.length === 1 && files[0]!.path === rel;
  const intoFolder = /[\\/]$/.test(dst) || (await stat(dst).then((s) => s.isDirectory(), () => false));
  const finals = new Map<string, Progress>();
  const waiters = new Map<string, (p: Progress) => void>();
  const events = await hub.events((event, payload) => {
    if (event !== 'task.progress') return;
    const p = payload as Progress;
    if (p.state === 'running') return;
    const waiter = waiters.get(p.taskId);
    if (waiter) waiter(p);
    else finals.set(p.taskId, p);
  });
  const ended = (taskId: string): Promise<Progress> =>
    new Promise<Progress>((resolve, reject) => {
      const seen = finals.get(taskId);
      if (seen) return resolve(seen);
      waiters.set(taskId, resolve);
      void events.closed.then((why) => reject(new DstackError('unavailable', `The download stopped: ${why}.`, { fix: 'Run the same `dstack cp` again.' })));
    });
  let bytes = 0;
  try {
    for (const f of files) {
      const target = single ? (intoFolder ? join(dst, basename(rel)) : dst) : join(dst, rel ? f.path.slice(rel.length + 1) : f.path);
      await mkdir(dirname(target), { recursive: true });
      const { taskId } = await hub.call('artifacts.download', { itemId: f.id }, events.clientId);
      const end = await ended(taskId);
      if (end.state !== 'done' || !end.downloadUrl) {
        throw end.error ? fromSerialized(end.error) : new DstackError('unavailable', `The hub could not fetch ${f.path} (${end.state}).`, { fix: 'Run the same `dstack cp` again.' });
      }
      bytes += await hub.fetchDownload(end.downloadUrl, target, f.size);
    }
  } finally {
    events.close();
  }
  return { files: files.length, bytes };
}
