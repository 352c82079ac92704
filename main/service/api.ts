/**
 * The service: every operation of `common/api/operations.ts`, implemented
 * once and carried by both transports. `call` validates the input against
 * `common/api/schemas.ts` before any handler runs, so IPC and HTTP get the
 * same checks and the same typed errors.
 */
import type { OperationName, OpOutput } from '../common/api/operations';
import { validateInput } from '../common/api/schemas';
import { DstackError } from '../common/errors';
import { ServiceContext } from './context';
import type { ServiceOptions } from './context';
import type { CallMeta, Handlers } from './handler';
import { artifactOps } from './ops-artifacts';
import { awsOps } from './ops-aws';
import { gcpOps } from './ops-gcp';
import { HubCarrier } from './hub-carrier';
import { HubDownloads } from './hub-downloads';
import { hubOps } from './ops-hub';
import { cacheOps } from './ops-cache';
import { projectOps } from './ops-projects';
import { runOps } from './ops-runs';
import { setupOps } from './ops-setup';
import { fillDragCache } from './transfer';

export type { CallMeta, ServiceOptions };

const handlers: Handlers = { ...setupOps, ...awsOps, ...gcpOps, ...hubOps, ...runOps, ...projectOps, ...artifactOps, ...cacheOps };

/** A finished download's bytes on disk, for the server's GET /api/download route. */
export interface DownloadSource {
  path: string;
  fileName: string;
}

export class ApiService {
  readonly ctx: ServiceContext;
  /** Routes project operations to a team hub while this machine is connected to one. */
  private readonly carrier: HubCarrier;

  constructor(opts: ServiceOptions) {
    this.ctx = new ServiceContext(opts);
    this.carrier = new HubCarrier(opts.home, this.ctx.hub, opts.hubLink, new HubDownloads(this.ctx));
  }

  get hub(): ServiceContext['hub'] {
    return this.ctx.hub;
  }

  /** Runs one operation; `input` is untrusted and checked first. */
  async call<K extends OperationName>(op: K, input: unknown, meta: CallMeta = {}): Promise<OpOutput<K>> {
    const valid = validateInput(op, input);
    const handler = handlers[op] as Handlers[K];
    return this.carrier.dispatch(op, valid, meta, () => handler(this.ctx, valid, meta));
  }

  /** Drag-cache fills under way for the download route, by item id. */
  private readonly fills = new Map<string, Promise<void>>();

  /**
   * The bytes behind a finished task id, or behind an artifact item id (filled
   * into the drag cache first when needed), for the server's download route.
   */
  async downloadSource(id: string, signal: AbortSignal): Promise<DownloadSource> {
    if (this.ctx.tasks.has(id)) {
      const task = this.ctx.tasks.get(id);
      if (task.state !== 'done' || !task.path || !task.fileName) {
        throw new DstackError('conflict', `This download is ${task.state}, not finished.`, { fix: 'Wait for it to finish.' });
      }
      return { path: task.path, fileName: task.fileName };
    }
    const item = this.ctx.items.get(id);
    const path = this.ctx.cache.pathFor(item.id, item.name);
    if (!(await this.ctx.cache.isCached(item.id, item.name, item.isDir))) {
      // Ranged GETs of one file arrive together: they share one fill, which no single request's end may cancel.
      let fill = this.fills.get(item.id);
      if (!fill) {
        fill = this.ctx.runs().then((runs) => fillDragCache(this.ctx.cache, runs, item, { signal: new AbortController().signal, progress: () => undefined }));
        this.fills.set(item.id, fill);
        void fill.finally(() => this.fills.delete(item.id)).catch(() => undefined);
      }
      signal.throwIfAborted();
      await fill;
    }
    return { path, fileName: item.name };
  }

  /** Ends everything a closed window or socket left open. */
  disconnect(clientId: string): void {
    this.ctx.hub.disposeClient(clientId);
    void this.carrier.disconnect(clientId);
  }

  async dispose(): Promise<void> {
    await this.carrier.drop();
    await this.ctx.dispose();
  }
}
