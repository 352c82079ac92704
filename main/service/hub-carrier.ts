/**
 * The hub carrier: while this machine is connected to a team hub (the
 * connection `dstack config hub` or the wizard saved), every project
 * operation goes to the hub's project over its API, with the token from the
 * keychain, instead of to a local core; the hub's events come back over its
 * events socket and go on to the window or page that opened the
 * subscription. The machine's own operations (setup, the wizard's checks,
 * the drag cache) stay here. Choosing Local, AWS or GCP leaves the hub, as
 * `dstack config local|aws|gcp` does.
 */
import type { ConfigSummary, OperationName, OpInput, OpOutput, ProjectInfo } from '../common/api/operations';
import { OPERATION_ROLES } from '../common/api/operations';
import { DstackError } from '../common/errors';
import type { EventHub } from './events';
import type { CallMeta } from './handler';
import type { HubDownloads } from './hub-downloads';
import type { HubLink, HubProjectLink } from './hub-link';
import { HubSubscriptions } from './hub-subscriptions';

/** The project id the renderer names the hub project by; the hub acts on the project in its URL whatever this says. */
export const HUB_PROJECT_ID = 'hub';

/** How long the carrier keeps trying to subscribe again after the hub's socket dropped, before it tells the follows it gave up. */
export const RESUBSCRIBE_FOR_MS = 120_000;
/** Pauses between tries while the hub is away: short first, then at most this. */
const RETRY_MS = [250, 500, 1000, 2000, 5000];

/** Operations that start a subscription whose events come over the hub's socket. */
const SUBSCRIBING = new Set<OperationName>(['runs.watch', 'logs.follow', 'projects.watchWorkflows']);

/** What the app cannot do through a hub yet, each with what to do instead. */
const NOT_THROUGH_HUB: Partial<Record<OperationName, (url: string, project: string) => DstackError>> = {
  'logs.save': (url, project) =>
    new DstackError('unavailable', 'Through a team hub, the app does not save a log to a file yet.', {
      fix: `Use the CLI, which goes through the same hub: dstack logs RUN > FILE (after \`dstack config hub --url ${url} --project ${project}\`).`,
    }),
  'projects.init': () =>
    new DstackError('unavailable', "Through a team hub, the project is the hub's: there is no folder here to set up.", {
      fix: 'To work with folders on this computer, choose Local in Settings.',
    }),
};

/** Artifact transfers: the hub lists the items, the bytes come here through the hub link (hub-downloads.ts). */
const DOWNLOADS = new Set<OperationName>(['artifacts.download', 'artifacts.cache', 'artifacts.startDrag']);

/** Operations that choose another backend: they end the hub connection once they succeed. */
const LEAVING = new Set<OperationName>(['setup.useLocal', 'aws.save', 'gcp.save']);

/** The machine's drag cache and download tasks are the app's own, hub or not. */
const ALWAYS_HERE = new Set<OperationName>(['artifacts.cacheUsage', 'artifacts.clearCache', 'tasks.cancel']);

type Socket = Awaited<ReturnType<HubProjectLink['events']>>;

interface Active {
  link: HubProjectLink;
  socket?: Promise<Socket>;
}

type Local = () => Promise<unknown>;

export class HubCarrier {
  private active?: Promise<Active | undefined>;
  private readonly subs: HubSubscriptions;
  /** Bumped by `drop`, so a resubscribe loop of an old connection stops. */
  private generation = 0;
  private resubscribing = false;

  constructor(
    private readonly home: string,
    private readonly events: EventHub,
    private readonly link?: HubLink,
    private readonly downloads?: HubDownloads,
  ) {
    this.subs = new HubSubscriptions(events);
  }

  /** Runs `op` through the hub when connected to one, else `local` (with the hub's view added to what it answers). */
  async dispatch<K extends OperationName>(op: K, input: unknown, meta: CallMeta, local: Local): Promise<OpOutput<K>> {
    if (LEAVING.has(op)) {
      const result = await local();
      await this.leave();
      return result as OpOutput<K>;
    }
    if (op === 'hub.connect') {
      await this.drop();
      return (await this.withHub(await local() as ConfigSummary)) as OpOutput<K>;
    }
    if (op === 'app.info') {
      // A damaged connection still counts as configured: the app opens and its calls say what to mend.
      const configured = await this.connection().then((a) => !!a, () => true);
      const info = (await local()) as OpOutput<'app.info'>;
      return { ...info, configured: info.configured || configured } as OpOutput<K>;
    }
    const role = OPERATION_ROLES[op];
    const projectOp = (role === 'read' || role === 'run' || role === 'admin') && !ALWAYS_HERE.has(op);
    if (!projectOp && !NOT_THROUGH_HUB[op] && !DOWNLOADS.has(op) && op !== 'projects.recent' && op !== 'projects.open' && op !== 'setup.get') {
      return (await local()) as OpOutput<K>;
    }
    const active = await this.connection();
    if (!active) return (await local()) as OpOutput<K>;
    const refusal = NOT_THROUGH_HUB[op];
    if (refusal) throw refusal(active.link.url, active.link.project);
    if (DOWNLOADS.has(op) && this.downloads) return (await this.transfer(active.link, this.downloads, op, input, meta)) as OpOutput<K>;
    if (op === 'projects.recent') return [this.projectInfo(active.link)] as OpOutput<K>;
    if (op === 'projects.open') return this.projectInfo(active.link) as OpOutput<K>;
    if (op === 'setup.get') {
      const state = (await local()) as OpOutput<'setup.get'>;
      return { ...state, config: await this.withHub(state.config) } as OpOutput<K>;
    }
    return (await this.forward(active, op, input, meta)) as OpOutput<K>;
  }

  private async transfer(link: HubProjectLink, downloads: HubDownloads, op: OperationName, input: unknown, meta: CallMeta): Promise<unknown> {
    const { itemId, saveAs } = input as { itemId: string; saveAs?: boolean };
    if (op === 'artifacts.startDrag') return downloads.startDrag(itemId);
    if (op === 'artifacts.cache') return downloads.cache(link, itemId, meta.clientId);
    return downloads.download(link, itemId, saveAs, meta.clientId);
  }

  private async forward(active: Active, op: OperationName, input: unknown, meta: CallMeta): Promise<unknown> {
    const hubInput = input && typeof input === 'object' && 'projectId' in input ? { ...input, projectId: HUB_PROJECT_ID } : input;
    if (op === 'events.unsubscribe') {
      const localId = (input as { subscriptionId: string }).subscriptionId;
      const hubId = this.subs.hubIdOf(localId);
      this.subs.remove(localId);
      return active.link.call(op, { subscriptionId: hubId });
    }
    if (op === 'artifacts.list') {
      const page = (await active.link.call(op, hubInput)) as OpOutput<'artifacts.list'>;
      this.downloads?.remember(input as OpInput<'artifacts.list'>, page.entries);
      return page;
    }
    if (!SUBSCRIBING.has(op)) return active.link.call(op, hubInput);
    const socket = await this.socket(active);
    const result = (await active.link.call(op, hubInput, socket.clientId)) as { subscriptionId: string };
    this.subs.add(op, hubInput, meta.clientId, result.subscriptionId);
    return result;
  }

  /**
   * After the hub's socket dropped with subscriptions open (a hub restart
   * ends them on the hub's side): opens a new socket and makes each again,
   * trying with growing pauses for RESUBSCRIBE_FOR_MS. If the hub stays
   * away, each log follow ends with the reason, as a local unreadable log does.
   */
  private async resubscribe(active: Active): Promise<void> {
    if (this.resubscribing) return;
    this.resubscribing = true;
    const generation = this.generation;
    const deadline = Date.now() + RESUBSCRIBE_FOR_MS;
    let lastError: unknown;
    try {
      for (let attempt = 0; Date.now() < deadline; attempt++) {
        if (generation !== this.generation) return;
        try {
          const socket = await this.socket(active);
          for (const [localId, sub] of this.subs.live()) {
            const again = (await active.link.call(sub.op, sub.input, socket.clientId)) as { subscriptionId: string };
            this.subs.rebind(localId, again.subscriptionId);
          }
          return;
        } catch (err) {
          lastError = err;
          await new Promise((r) => setTimeout(r, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]).unref());
        }
      }
      const error = (lastError instanceof DstackError ? lastError : new DstackError('unavailable', `Lost the team hub at ${active.link.url}.`)).toJSON();
      for (const [localId, sub] of this.subs.live()) {
        this.subs.remove(localId);
        if (sub.op === 'logs.follow') this.events.emit('logs.lines', { subscriptionId: localId, lines: [], done: true, error }, sub.owner);
      }
    } finally {
      this.resubscribing = false;
    }
  }

  /** The hub's events socket, opened on the first subscription and again after it closed (a hub restart drops its subscriptions). */
  private socket(active: Active): Promise<Socket> {
    if (active.socket) return active.socket;
    const generation = this.generation;
    const opened = active.link.events((event, payload) => this.subs.relay(event, payload));
    active.socket = opened;
    const closed = (): void => {
      if (active.socket !== opened) return;
      active.socket = undefined;
      if (generation === this.generation && this.subs.live().length) void this.resubscribe(active);
    };
    opened.then((s) => void s.closed.then(closed), () => (active.socket === opened ? (active.socket = undefined) : undefined));
    return opened;
  }

  private projectInfo(link: HubProjectLink): ProjectInfo {
    return { id: HUB_PROJECT_ID, name: link.project, displayPath: `${link.project} on ${new URL(link.url).host}` };
  }

  /** `config` with the hub connection: the project's backend and the member's role as the hub says now, or neither when it does not answer. */
  private async withHub(config: ConfigSummary): Promise<ConfigSummary> {
    const active = await this.connection();
    if (!active) return config;
    const { url, project } = active.link;
    const me = await active.link.check().catch(() => undefined);
    const mine = me?.projects.find((p) => p.name === project);
    return {
      backend: mine?.backend ?? null,
      home: config.home,
      hub: { url, project, ...(mine ? { role: mine.role } : {}), ...(me ? { user: me.user } : {}) },
    };
  }

  /** The saved connection, opened once; a failure (no token in the keychain) is thrown with its fix and tried again next call. */
  private connection(): Promise<Active | undefined> {
    if (!this.link) return Promise.resolve(undefined);
    const link = this.link;
    this.active ??= link.open(this.home).then((l) => (l ? { link: l } : undefined));
    this.active.catch(() => (this.active = undefined));
    return this.active;
  }

  /** Ends the hub subscriptions a closed window or page socket opened. */
  async disconnect(clientId: string): Promise<void> {
    const mine = this.subs.ownedBy(clientId);
    if (!mine.length) return;
    const active = await this.active?.catch(() => undefined);
    for (const localId of mine) {
      const hubId = this.subs.hubIdOf(localId);
      this.subs.remove(localId);
      await active?.link.call('events.unsubscribe', { subscriptionId: hubId }).catch(() => undefined);
    }
  }

  private async leave(): Promise<void> {
    await this.drop();
    await this.link?.leave(this.home);
  }

  /** Closes the open link, so the next call reads the connection afresh. */
  async drop(): Promise<void> {
    const old = this.active;
    this.active = undefined;
    this.generation += 1;
    this.subs.clear();
    const active = await old?.catch(() => undefined);
    const socket = await active?.socket?.catch(() => undefined);
    socket?.close();
  }
}
