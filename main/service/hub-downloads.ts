/**
 * Artifact downloads of a team hub's project, in the app: the hub lists a
 * run's artifacts under its own item ids, which are remembered here with
 * the run, path and kind, so Download, the drag cache and drag-out work as
 * on any backend. The bytes come through the hub link's download (the
 * CLI's `dstack cp` engine: presigned S3 URLs or the hub's ranged route,
 * resumed only from verified parts), into the same places a local download
 * goes: the Downloads folder or a "Save as…" target in the desktop app, the
 * drag cache (fetched from `downloadUrl`) in server mode.
 */
import type { ArtifactEntry, ArtifactSource, TaskRef } from '../common/api/operations';
import { CancelledError, InvalidArgumentError, NotFoundError } from '../common/errors';
import type { ServiceContext } from './context';
import type { HubProjectLink } from './hub-link';
import { freePath } from './into-place';

interface HubItem {
  source: ArtifactSource;
  path: string;
  name: string;
  isDir: boolean;
}

/** Item ids kept; the oldest listing's are forgotten first (its browser lists again). */
const MAX_ITEMS = 20_000;

export class HubDownloads {
  private readonly items = new Map<string, HubItem>();

  constructor(private readonly ctx: ServiceContext) {}

  /** Remembers each entry of an `artifacts.list` answer under its hub item id. */
  remember(input: { source: ArtifactSource; prefix: string }, entries: readonly ArtifactEntry[]): void {
    const base = input.prefix && !input.prefix.endsWith('/') ? `${input.prefix}/` : input.prefix;
    for (const e of entries) {
      this.items.delete(e.id);
      this.items.set(e.id, { source: input.source, path: `${base}${e.name}`, name: e.name, isDir: e.isDir });
      if (this.items.size > MAX_ITEMS) this.items.delete(this.items.keys().next().value as string);
    }
  }

  private item(id: string): HubItem {
    const item = this.items.get(id);
    if (!item) throw new NotFoundError('This artifact is no longer listed here.', "Open the run's Artifacts tab again.");
    return item;
  }

  /** Fills the drag cache with an item through the hub; the task's result is the cached copy. */
  private fill(link: HubProjectLink, id: string, clientId?: string): string {
    const item = this.item(id);
    return this.ctx.tasks.start(async (task) => {
      await this.ctx.cache.fill(id, item.name, (target) => link.download(item.source, item.path, item.isDir, target, task), item.isDir);
      void this.ctx.cache.sweep().catch(() => undefined);
      return { path: this.ctx.cache.pathFor(id, item.name), fileName: item.name };
    }, clientId);
  }

  async download(link: HubProjectLink, id: string, saveAs: boolean | undefined, clientId?: string): Promise<TaskRef> {
    const item = this.item(id);
    const downloads = this.ctx.host.downloadsDir?.();
    if (!downloads) return { taskId: this.fill(link, id, clientId) };
    const target = saveAs ? await this.ctx.host.pickSavePath?.(item.name) : await freePath(downloads, item.name);
    if (!target) throw new CancelledError('Download cancelled.');
    const taskId = this.ctx.tasks.start(async (task) => {
      await link.download(item.source, item.path, item.isDir, target, task);
      return { path: target, fileName: item.name };
    }, clientId);
    return { taskId };
  }

  cache(link: HubProjectLink, id: string, clientId?: string): TaskRef {
    return { taskId: this.fill(link, id, clientId) };
  }

  async startDrag(id: string): Promise<void> {
    if (!this.ctx.host.startDrag) throw new InvalidArgumentError('Dragging files out works in the desktop app only.', 'Use Download instead.');
    const item = this.item(id);
    this.ctx.host.startDrag(await this.ctx.cache.resolveCachedPath(id, item.name, item.isDir));
  }
}
