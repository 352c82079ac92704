/**
 * What the service needs of a team hub, as an interface: the client that
 * speaks the hub's API (and its one-line messages for each way a connection
 * fails) is the CLI's (`cli/hub/*`), which the service may not import
 * (`service-is-transport-free`). Each composition root that can reach a hub
 * (the Electron main process, `dstack server`) passes the CLI's
 * implementation in, so the app and `dstack config hub` share one client,
 * one connection file and one keychain entry.
 */
import type { ApiEvents, ArtifactSource, EventName, HubCheck, OperationName } from '../common/api/operations';

/** The saved connection's open link to its hub project. */
export interface HubProjectLink {
  readonly url: string;
  readonly project: string;
  /** Runs one operation in the hub project; `clientId` is the hub events socket's, so the hub routes the subscription's events there. */
  call(op: OperationName, input: unknown, clientId?: string): Promise<unknown>;
  /** Opens the project's events socket; resolves once the hub said hello. */
  events(listener: <E extends EventName>(event: E, payload: ApiEvents[E]) => void): Promise<{ clientId: string; closed: Promise<string>; close(): void }>;
  /** Who the token is now, and its projects (for the role this project gives it). */
  check(): Promise<HubCheck>;
  /** Copies an artifact file or folder of a run (or tag) to `target`, resumably and verified, reporting bytes moved. */
  download(source: ArtifactSource, path: string, isDir: boolean, target: string, task: { signal: AbortSignal; progress(bytes: number, total: number): void }): Promise<void>;
}

export interface HubLink {
  /** Asks the hub who `token` is; one DstackError with the fix for a wrong URL, a hub that is down, a refused token or another API version. */
  test(url: string, token: string): Promise<HubCheck>;
  /** Checks again, then keeps the token in the OS keychain and the URL and project in DSTACK_HOME. */
  connect(home: string, url: string, token: string, project: string): Promise<void>;
  /** The saved connection, or undefined when there is none; a damaged one (no token in the keychain) throws with the fix. */
  open(home: string): Promise<HubProjectLink | undefined>;
  /** Ends the saved connection (the token stays in the keychain); returns the hub URL it named, if any. */
  leave(home: string): Promise<string | undefined>;
}

/** A HubLink whose modules load on its first use, so an app or server that never meets a hub never loads the hub client. */
export function lazyHubLink(load: () => Promise<HubLink>): HubLink {
  let loaded: Promise<HubLink> | undefined;
  const link = (): Promise<HubLink> => {
    loaded ??= load();
    loaded.catch(() => (loaded = undefined));
    return loaded;
  };
  return {
    test: async (url, token) => (await link()).test(url, token),
    connect: async (home, url, token, project) => (await link()).connect(home, url, token, project),
    open: async (home) => (await link()).open(home),
    leave: async (home) => (await link()).leave(home),
  };
}
