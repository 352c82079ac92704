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
import type { ApiEvents, ConfigSummary, EventName, OperationName, OpOutput, ProjectInfo } from '../common/api/operations';
import { OPERATION_ROLES } from '../common/api/operations';
import { DstackError } from '../common/errors';
import type { EventHub } from './events';
import type { CallMeta } from './handler';
import type { HubLink, HubProjectLink } from './hub-link';

/** The project id the renderer names the hub project by; the hub acts on the project in its URL whatever this says. */
export const HUB_PROJECT_ID = 'hub';

/** How many not-yet-claimed subscriptions' early events are kept; a subscription nobody claims (its call failed) is forgotten first. */
const MAX_EARLY = 64;

/** Operations that start a subscription whose events come over the hub's socket. */
const SUBSCRIBING = new Set<OperationName>(['runs.watch', 'logs.follow', 'projects.watchWorkflows']);

/** Operations that end in a file on this machine; through a hub the file is on the hub's, so the app refuses them (the CLI's `dstack cp` fetches them). */
const NOT_THROUGH_HUB = new Set<OperationName>(['artifacts.download', 'artifacts.cache', 'artifacts.startDrag', 'artifacts.reveal', 'logs.save', 'projects.init']);

/** Operations that choose another backend: they end the hub connection once they succeed. */
const LEAVING = new Set<OperationName>(['setup.useLocal', 'aws.save', 'gcp.save']);

/** The machine's drag cache is the app's own, hub or not. */
const ALWAYS_HERE = new Set<OperationName>(['artifacts.cacheUsage', 'artifacts.clearCache']);

type Socket = Awaited<ReturnType<HubProjectLink['events']>>;

interface Active {
  link: HubProjectLink;
  socket?: Promise<Socket>;
}

type Local = () => Promise<unknown>;

export class HubCarrier {
  private active?: Promise<Active | undefined>;
  /** Which local client (window or page socket) opened each hub subscription, so its events go back there only. */
  private readonly owners = new Map<string, string | undefined>();
  /** Events of a subscription whose call has not answered yet (the hub pushes a watch's first list at once): kept, then delivered in order. */
  private readonly early = new Map<string, { event: EventName; payload: unknown }[]>();

  constructor(
    private readonly home: string,
    private readonly events: EventHub,
    private readonly link?: HubLink,
  ) {}

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
    if (!projectOp && !NOT_THROUGH_HUB.has(op) && op !== 'projects.recent' && op !== 'projects.open' && op !== 'setup.get') {
      return (await local()) as OpOutput<K>;
    }
    const active = await this.connection();
    if (!active) return (await local()) as OpOutput<K>;
    if (NOT_THROUGH_HUB.has(op)) {
      throw new DstackError('unavailable', 'Through a team hub, the app shows runs, logs and artifacts but does not download files yet.', {
        fix: `Use the CLI, which goes through the same hub: dstack cp RUN PATH (after \`dstack config hub --url ${active.link.url} --project ${active.link.project}\`).`,
      });
    }
    if (op === 'projects.recent') return [this.projectInfo(active.link)] as OpOutput<K>;
    if (op === 'projects.open') return this.projectInfo(active.link) as OpOutput<K>;
    if (op === 'setup.get') {
      const state = (await local()) as OpOutput<'setup.get'>;
      return { ...state, config: await this.withHub(state.config) } as OpOutput<K>;
    }
    return (await this.forward(active, op, input, meta)) as OpOutput<K>;
  }

  private async forward(active: Active, op: OperationName, input: unknown, meta: CallMeta): Promise<unknown> {
    const hubInput = input && typeof input === 'object' && 'projectId' in input ? { ...input, projectId: HUB_PROJECT_ID } : input;
    if (!SUBSCRIBING.has(op)) {
      const result = await active.link.call(op, hubInput);
      if (op === 'events.unsubscribe') this.owners.delete((input as { subscriptionId: string }).subscriptionId);
      return result;
    }
    const socket = await this.socket(active);
    const result = (await active.link.call(op, hubInput, socket.clientId)) as { subscriptionId: string };
    this.owners.set(result.subscriptionId, meta.clientId);
    const early = this.early.get(result.subscriptionId) ?? [];
    this.early.delete(result.subscriptionId);
    for (const e of early) this.relay(e.event, e.payload as ApiEvents[EventName]);
    return result;
  }

  /** The hub's events socket, opened on the first subscription and again after it closed (a hub restart drops its subscriptions). */
  private socket(active: Active): Promise<Socket> {
    if (active.socket) return active.socket;
    const opened = active.link.events((event, payload) => this.relay(event, payload));
    active.socket = opened;
    opened.then(
      (s) => void s.closed.then(() => active.socket === opened && (active.socket = undefined)),
      () => active.socket === opened && (active.socket = undefined),
    );
    return opened;
  }

  private relay<E extends EventName>(event: E, payload: ApiEvents[E]): void {
    const sub = (payload as { subscriptionId?: string }).subscriptionId;
    if (!sub) return;
    if (!this.owners.has(sub)) {
      if (this.early.size >= MAX_EARLY && !this.early.has(sub)) this.early.delete(this.early.keys().next().value as string);
      this.early.set(sub, [...(this.early.get(sub) ?? []), { event, payload }]);
      return;
    }
    this.events.emit(event, payload, this.owners.get(sub));
    if (event === 'logs.lines' && (payload as ApiEvents['logs.lines']).done) this.owners.delete(sub);
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
    const mine = [...this.owners].filter(([, owner]) => owner === clientId).map(([sub]) => sub);
    if (!mine.length) return;
    const active = await this.active?.catch(() => undefined);
    for (const sub of mine) {
      this.owners.delete(sub);
      await active?.link.call('events.unsubscribe', { subscriptionId: sub }).catch(() => undefined);
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
    this.owners.clear();
    this.early.clear();
    const active = await old?.catch(() => undefined);
    const socket = await active?.socket?.catch(() => undefined);
    socket?.close();
  }
}
