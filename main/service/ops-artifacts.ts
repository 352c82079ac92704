/**
 * The artifact browser's operations. Entries are named by item ids (see
 * `items.ts`); downloads and cache fills are long tasks. In the desktop app
 * a download lands in the Downloads folder or a "Save as…" target; in
 * server mode it lands in the drag cache and the browser fetches it from
 * `downloadUrl`, so both modes move the same verified bytes.
 */
import { CancelledError, InvalidArgumentError } from '../common/errors';
import type { ServiceContext } from './context';
import type { Handlers } from './handler';
import type { ArtifactItem } from './items';
import { artifactLinkOps } from './ops-artifact-links';
import { freePath } from './into-place';
import { downloadTo, fillDragCache } from './transfer';

type ArtifactOps = 'artifacts.list' | 'artifacts.links' | 'artifacts.folderTotal' | 'artifacts.download' | 'artifacts.cache' | 'artifacts.startDrag' | 'artifacts.reveal' | 'tasks.cancel';

/**
 * Fills the drag cache with a file or folder and returns where it is. A
 * folder resumes from the files its cancelled fill already verified.
 */
function startCacheFill(ctx: ServiceContext, item: ArtifactItem, clientId?: string): string {
  return ctx.tasks.start(async (task) => {
    const runs = await ctx.runs();
    await fillDragCache(ctx.cache, runs, item, task);
    void ctx.cache.sweep().catch(() => undefined);
    return { path: ctx.cache.pathFor(item.id, item.name), fileName: item.name };
  }, clientId);
}

export const artifactOps: Handlers<ArtifactOps> = {
  ...artifactLinkOps,
  'artifacts.list': async (ctx, { projectId, source, prefix, token }) => {
    const { repo } = await ctx.projects.resolve(projectId);
    const ref = 'tag' in source ? `:${source.tag}` : source.runName;
    const page = await (await ctx.runs()).listArtifacts(repo, ref, prefix, token);
    const entries = await Promise.all(
      page.entries.map(async (e) => {
        const item = ctx.items.add({ projectId, repo, ref, path: e.path.replace(/\/$/, ''), name: e.name, isDir: e.isDir, size: e.size });
        const cached = await ctx.cache.isCached(item.id, item.name, e.isDir);
        return { id: item.id, name: e.name, isDir: e.isDir, size: e.size, cached };
      }),
    );
    return page.next ? { entries, next: page.next } : { entries };
  },
  'artifacts.folderTotal': async (ctx, { itemId }) => ctx.totals.get(await ctx.runs(), ctx.items.get(itemId)),
  'artifacts.download': async (ctx, { itemId, saveAs }, meta) => {
    const item = ctx.items.get(itemId);
    const downloads = ctx.host.downloadsDir?.();
    if (!downloads) return { taskId: startCacheFill(ctx, item, meta.clientId) };
    const target = saveAs ? await ctx.host.pickSavePath?.(item.name) : await freePath(downloads, item.name);
    if (!target) throw new CancelledError('Download cancelled.');
    const taskId = ctx.tasks.start(async (task) => {
      await downloadTo(ctx.opts.home, await ctx.runs(), item, target, task);
      return { path: target, fileName: item.name };
    }, meta.clientId);
    return { taskId };
  },
  'artifacts.cache': async (ctx, { itemId }, meta) => ({ taskId: startCacheFill(ctx, ctx.items.get(itemId), meta.clientId) }),
  'artifacts.startDrag': async (ctx, { itemId }) => {
    if (!ctx.host.startDrag) throw new InvalidArgumentError('Dragging files out works in the desktop app only.', 'Use Download instead.');
    const item = ctx.items.get(itemId);
    ctx.host.startDrag(await ctx.cache.resolveCachedPath(item.id, item.name, item.isDir));
  },
  'artifacts.reveal': async (ctx, { taskId }) => {
    const task = ctx.tasks.get(taskId);
    if (!ctx.host.reveal) throw new InvalidArgumentError('"Show in folder" works in the desktop app only.');
    if (task.state !== 'done' || !task.path) throw new InvalidArgumentError('The download has not finished.', 'Wait for it to finish.');
    ctx.host.reveal(task.path);
  },
  'tasks.cancel': async (ctx, { taskId }) => ctx.tasks.cancel(taskId),
};
