/**
 * `dstack ls` and `dstack cp` through a team hub. `ls` walks the tree one
 * folder level per `artifacts.list` call. `cp` asks `artifacts.links` for
 * each file's URL and downloads with the same engine as a backend of its
 * own (link-source.ts): partial files in the private staging folder,
 * resumed only from parts this download made and re-hashed, and the whole
 * file checked against the storage's size and MD5/ETag before it is
 * renamed into place.
 */
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ArtifactSource } from '../../common/api/operations';
import { NotFoundError } from '../../common/errors';
import { normalizeArtifactPath } from '../../core/artifacts';
import type { TreeResult } from '../../core/tree-transfer';
import { downloadTree } from '../../core/tree-transfer';
import { dstackHome } from '../../node/home';
import type { HubClient } from './client';
import { HubLinkSource } from './link-source';

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

/**
 * Downloads an artifact file or folder of `ref` to `dst`, placed as a local
 * `dstack cp` places it: a file at `dst`, or inside it when `dst` is a
 * folder; a folder's contents under `dst`. The bytes move through the
 * core's tree transfer and ranged download (link-source.ts).
 */
export async function hubCopy(hub: HubClient, ref: string, src: string, dst: string, home = dstackHome()): Promise<TreeResult> {
  const rel = normalizeArtifactPath(src);
  const links = new HubLinkSource(hub, sourceOf(ref), home);
  const file = rel ? await links.file(rel) : undefined;
  if (file) {
    const intoFolder = /[\\/]$/.test(dst) || (await stat(dst).then((s) => s.isDirectory(), () => false));
    await links.downloadFile(rel, intoFolder ? join(dst, basename(rel)) : dst);
    return { files: 1, bytes: file.size };
  }
  const copied = await downloadTree(links, rel ? `${rel}/` : '', dst);
  if (!copied.files) throw new NotFoundError(`No artifact ${rel || '(any)'} in this run.`, 'List them with `dstack ls`.');
  return copied;
}
