/**
 * The one API contract between the UI and `main/`: every operation the UI may
 * call and every event it may receive, with their types. Both transports
 * carry exactly this: Electron IPC (the preload exposes one function per
 * operation) and `dstack server` (HTTP for operations, a WebSocket for
 * events). Argument schemas that `main/` validates at the boundary live in
 * `./schemas.ts`; this file has no runtime dependencies so the renderer and
 * the preload bundle stay small.
 *
 * Paths never cross this boundary in the Electron transport: projects and
 * artifacts are named by ids that `main/` resolves. `projects.open` takes a
 * path only from `dstack server`, whose user types it in the browser.
 */
import type { ArtifactLinkPage } from './artifact-links';
import type { GcpCredentialsRef, GcpIdentity, GcpPermissionReport, GcpTarget } from './gcp-setup';
import type { BackendName, WizardChoice, WizardStep } from '../backends';
import type { SerializedError } from '../errors';
import type { ProjectRole } from '../hub';
import type { InstanceOffer, ResourceOverrides, RunSummary } from '../job';
import type { LogEvent } from '../log-event';

export type { RunSummary, InstanceOffer, LogEvent, ResourceOverrides, SerializedError };

export interface AppInfo {
  version: string;
  transport: 'ipc' | 'http';
  platform: string;
  /** Whether a backend is configured; false shows the first-run wizard. */
  configured: boolean;
  /** NVIDIA GPUs on the machine `main/` runs on: local runs get these and no more. */
  localGpus: number;
}

export type { WizardStep };

/** Where credentials come from: a `~/.aws` profile, or keys kept in the OS keychain. */
export type AwsCredentialsRef = { profile: string } | { keychainKeyId: string };

/** The wizard's progress, saved after every step so closing the app resumes there. */
export interface SetupDraft {
  step: WizardStep;
  backend?: WizardChoice;
  /** hub: the hub's URL (the token is never in the draft: it goes to the keychain on connect). */
  hubUrl?: string;
  credentials?: AwsCredentialsRef;
  region?: string;
  bucket?: string;
  /** gcp: a keychain key or Application Default Credentials, the project and the zone. */
  gcpCredentials?: GcpCredentialsRef;
  project?: string;
  zone?: string;
  /** gcp: the VPC network and subnetwork VMs join; absent means the project's `default` network and its own subnet. */
  network?: string;
  subnet?: string;
}

/** What Settings shows of the saved configuration. Key ids appear only as `…ABCD`. */
export interface ConfigSummary {
  backend: BackendName | null;
  home: string;
  aws?: { region: string; bucket: string; profile?: string; keyIdLast4?: string; subnet?: string };
  /** A keychain key appears only as its service account e-mail. */
  gcp?: { project: string; region: string; zone: string; bucket: string; account?: string; network?: string; subnet?: string };
  /** Set while the app goes through a team hub; `backend` is then the hub project's (null when the hub did not answer). */
  hub?: HubConnectionSummary;
}

/** The saved team-hub connection as Settings shows it; the token stays in the keychain. */
export interface HubConnectionSummary {
  url: string;
  project: string;
  /** The member's role there, as the hub says now; absent when the hub did not answer. */
  role?: ProjectRole;
  user?: string;
}

/** What a token may reach on a hub: who it is, and each project it is a member of with its role and backend. */
export interface HubCheck {
  user: string;
  projects: { name: string; role: ProjectRole; backend: BackendName }[];
}

export interface SetupState {
  draft: SetupDraft;
  config: ConfigSummary;
}

export interface AwsProfile {
  name: string;
  sso: boolean;
  region?: string;
}

export interface AwsTarget {
  credentials: AwsCredentialsRef;
  region: string;
}

export type BucketListing =
  | { allowed: true; buckets: { name: string; region?: string }[] }
  | { allowed: false; reason: string };

export type BucketCheck =
  | { ok: true }
  | { ok: false; problem: 'syntax' | 'missing' | 'region' | 'access'; message: string; bucketRegion?: string; canCreate?: boolean };

export interface PermissionRow {
  service: 'S3' | 'EC2' | 'IAM' | 'CloudWatch Logs' | 'Secrets Manager';
  ok: boolean;
  missing: string[];
}

export interface ProjectInfo {
  id: string;
  name: string;
  /** Shown to the user as a label; never sent back to `main/` as an argument. */
  displayPath: string;
}

export interface WorkflowInfo {
  name: string;
  help?: string;
  provider: string;
  file: string;
  line: number;
}

export interface WorkflowIssueInfo {
  file: string;
  line: number;
  column: number;
  field: string;
  message: string;
}

export interface RunRequest {
  projectId: string;
  workflow: string;
  args: string[];
  tag?: string;
  backend?: BackendName;
  overrides?: ResourceOverrides;
}

export type ArtifactSource = { runName: string } | { tag: string };

export interface ArtifactEntry {
  /** Opaque; `main/` resolves it. */
  id: string;
  name: string;
  isDir: boolean;
  size: number;
  /** Whether a complete local copy (a file, or a whole folder) is in the drag cache, so it can be dragged out. */
  cached: boolean;
}

/** How much a folder holds, counted over all its files at any depth. */
export interface FolderTotal {
  files: number;
  bytes: number;
}

export interface TaskRef {
  taskId: string;
}

export interface TaskProgress {
  taskId: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  bytes: number;
  total: number;
  bytesPerSec: number;
  etaSec?: number;
  error?: SerializedError;
  /** `dstack server` only: where the browser fetches the finished file. */
  downloadUrl?: string;
}

type Op<I, O> = { in: I; out: O };
type P = { projectId: string };

/** Every operation: name → input and output types. */
export interface ApiOperations {
  'app.info': Op<void, AppInfo>;
  'setup.get': Op<void, SetupState>;
  'setup.saveDraft': Op<SetupDraft, void>;
  'setup.useLocal': Op<void, ConfigSummary>;
  'aws.profiles': Op<void, AwsProfile[]>;
  'aws.saveKeys': Op<{ accessKeyId: string; secretAccessKey: string }, { keychainKeyId: string; keyIdLast4: string }>;
  'aws.identity': Op<{ credentials: AwsCredentialsRef }, { account: string; arn: string }>;
  'aws.regions': Op<void, { id: string; name: string }[]>;
  'aws.buckets': Op<AwsTarget, BucketListing>;
  'aws.checkBucket': Op<AwsTarget & { bucket: string }, BucketCheck>;
  'aws.createBucket': Op<AwsTarget & { bucket: string }, void>;
  'aws.checkPermissions': Op<AwsTarget & { bucket: string }, { rows: PermissionRow[]; policy: string }>;
  'aws.save': Op<AwsTarget & { bucket: string; subnet?: string }, ConfigSummary>;
  /** Reads a service-account JSON key at `path` (on the machine main/ runs on) into the OS keychain; the key never reaches the renderer. */
  'gcp.saveKey': Op<{ path: string }, { keychainKey: string; identity: GcpIdentity }>;
  'gcp.identity': Op<{ credentials: GcpCredentialsRef }, GcpIdentity>;
  'gcp.regions': Op<void, { id: string; name: string; zones: string[] }[]>;
  'gcp.buckets': Op<GcpTarget, BucketListing>;
  'gcp.checkBucket': Op<GcpTarget & { bucket: string }, BucketCheck>;
  'gcp.createBucket': Op<GcpTarget & { bucket: string }, void>;
  'gcp.checkPermissions': Op<GcpTarget & { bucket: string }, GcpPermissionReport>;
  'gcp.save': Op<GcpTarget & { bucket: string; zone: string; network?: string; subnet?: string }, ConfigSummary>;
  /** Asks the hub who the token is and which projects it may reach; saves nothing. */
  'hub.test': Op<{ url: string; token: string }, HubCheck>;
  /** Checks again, keeps the token in the OS keychain (never in a file) and routes project operations through the hub's project. */
  'hub.connect': Op<{ url: string; token: string; project: string }, ConfigSummary>;
  'projects.recent': Op<void, ProjectInfo[]>;
  'projects.open': Op<{ path?: string }, ProjectInfo | null>;
  /** `dstack init` for a folder `projects.open` refused with `details.canInit`; in the desktop app, without a path (the folder just picked). */
  'projects.init': Op<{ path?: string }, ProjectInfo>;
  'projects.workflows': Op<P, { workflows: WorkflowInfo[]; errors: WorkflowIssueInfo[] }>;
  /** Pushes `workflows.changed` when a workflow file is added, edited or removed, so the list follows an editor. */
  'projects.watchWorkflows': Op<P, { subscriptionId: string }>;
  'runs.offer': Op<RunRequest, InstanceOffer | null>;
  'runs.submit': Op<RunRequest, { runName: string }>;
  'runs.list': Op<P & { all?: boolean }, RunSummary[]>;
  'runs.watch': Op<P, { subscriptionId: string }>;
  /** Answers with the run as it stands after the request: ended already (the runner got there first, or was gone), or still stopping. */
  'runs.stop': Op<P & { runName: string; abort: boolean }, RunSummary>;
  'runs.remove': Op<P & { runName: string }, void>;
  /** Streams the log as `logs.lines` events; with `follow: false` only what is written so far, then `done` (as `dstack logs` without -f). */
  'logs.follow': Op<P & { runName: string; follow?: boolean }, { subscriptionId: string }>;
  /** Streams the whole log to a file as a task (`taskId`, with `task.progress`); the server's final event carries the download URL. */
  'logs.save': Op<P & { runName: string }, { saved: boolean; taskId?: string }>;
  'events.unsubscribe': Op<{ subscriptionId: string }, void>;
  'artifacts.list': Op<P & { source: ArtifactSource; prefix: string; token?: string }, { entries: ArtifactEntry[]; next?: string }>;
  /** A hub client's download: a page of the files at or under `path`, each with a URL to GET its bytes from (artifact-links.ts). */
  'artifacts.links': Op<P & { source: ArtifactSource; path: string; token?: string }, ArtifactLinkPage>;
  'artifacts.folderTotal': Op<{ itemId: string }, FolderTotal>;
  'artifacts.download': Op<{ itemId: string; saveAs?: boolean }, TaskRef>;
  'artifacts.cache': Op<{ itemId: string }, TaskRef>;
  'artifacts.startDrag': Op<{ itemId: string }, void>;
  /** The drag cache's size and cap, for Settings. */
  'artifacts.cacheUsage': Op<void, { bytes: number; entries: number; maxBytes: number }>;
  /** Empties the drag cache (fills in progress are kept). */
  'artifacts.clearCache': Op<void, { freedBytes: number; bytes: number }>;
  'artifacts.reveal': Op<{ taskId: string }, void>;
  'tasks.cancel': Op<TaskRef, void>;
  'tags.list': Op<P, { tag: string; runName: string }[]>;
  'tags.add': Op<P & { tag: string; runName: string }, void>;
  'tags.delete': Op<P & { tag: string }, void>;
  'secrets.list': Op<P, string[]>;
  'secrets.set': Op<P & { name: string; value: string }, void>;
  'secrets.delete': Op<P & { name: string }, void>;
}

export type OperationName = keyof ApiOperations;
export type OpInput<K extends OperationName> = ApiOperations[K]['in'];
export type OpOutput<K extends OperationName> = ApiOperations[K]['out'];

/** Every event `main/` pushes: name → payload. */
export interface ApiEvents {
  'runs.changed': { subscriptionId: string; runs: RunSummary[] };
  /** `error` comes with the last event (`done`) when the log could not be read: what went wrong and the fix. */
  'logs.lines': { subscriptionId: string; lines: LogEvent[]; done: boolean; error?: SerializedError };
  'task.progress': TaskProgress;
  'workflows.changed': { subscriptionId: string };
}

export type EventName = keyof ApiEvents;

/**
 * Who may call an operation on a team hub, weakest first. `none`: anyone,
 * even without a token. `read`: a project's runs, logs, artifacts, tags and
 * workflows. `run`: also submit, stop, remove and tag, and see secret names
 * (a run gets every secret's value, so the names hide nothing from a runner).
 * `admin`: the project's settings, and its secrets' values, since setting
 * one changes what every member's runs receive. `hub-admin`: users, projects
 * and members (the hub's own admin endpoints). `local`: the machine the app
 * or `dstack server` runs on (its config, keychain, AWS profiles, folders,
 * file manager); a hub refuses these for everyone, since its machine is not
 * the caller's and project settings go through the admin endpoints.
 */
export type OperationRole = 'none' | 'read' | 'run' | 'admin' | 'hub-admin' | 'local';

/** Every operation with its required role: a new operation without one fails to compile. */
export const OPERATION_ROLES = {
  'app.info': 'none',
  'setup.get': 'local',
  'setup.saveDraft': 'local',
  'setup.useLocal': 'local',
  'aws.profiles': 'local',
  'aws.saveKeys': 'local',
  'aws.identity': 'local',
  'aws.regions': 'local',
  'aws.buckets': 'local',
  'aws.checkBucket': 'local',
  'aws.createBucket': 'local',
  'aws.checkPermissions': 'local',
  'aws.save': 'local',
  'gcp.saveKey': 'local',
  'gcp.identity': 'local',
  'gcp.regions': 'local',
  'gcp.buckets': 'local',
  'gcp.checkBucket': 'local',
  'gcp.createBucket': 'local',
  'gcp.checkPermissions': 'local',
  'gcp.save': 'local',
  'hub.test': 'local',
  'hub.connect': 'local',
  'projects.recent': 'local',
  'projects.open': 'local',
  'projects.init': 'local',
  'projects.workflows': 'read',
  'projects.watchWorkflows': 'read',
  'runs.offer': 'run',
  'runs.submit': 'run',
  'runs.list': 'read',
  'runs.watch': 'read',
  'runs.stop': 'run',
  'runs.remove': 'run',
  'logs.follow': 'read',
  'logs.save': 'read',
  'events.unsubscribe': 'read',
  'artifacts.list': 'read',
  'artifacts.links': 'read',
  'artifacts.folderTotal': 'read',
  'artifacts.download': 'read',
  'artifacts.cache': 'read',
  'artifacts.startDrag': 'local',
  'artifacts.cacheUsage': 'read',
  'artifacts.clearCache': 'admin',
  'artifacts.reveal': 'local',
  'tasks.cancel': 'read',
  'tags.list': 'read',
  'tags.add': 'run',
  'tags.delete': 'run',
  'secrets.list': 'run',
  'secrets.set': 'admin',
  'secrets.delete': 'admin',
} as const satisfies Record<OperationName, OperationRole>;

/** Operation names as a runtime list, for the preload and the HTTP router. */
export const OPERATION_NAMES = Object.keys(OPERATION_ROLES) as OperationName[];

export const EVENT_NAMES = ['runs.changed', 'logs.lines', 'task.progress', 'workflows.changed'] as const satisfies readonly EventName[];

/** What a transport returns for every call, so typed errors survive the trip. */
export type Envelope<T> = { result: T } | { error: SerializedError };

/**
 * Whether the client can reach `main/`: over IPC always; over HTTP the
 * server may go away (`reconnecting`) or come back with a new token
 * (`signed-out`), and the UI must say so at once.
 */
export type ConnectionState = 'connected' | 'reconnecting' | 'signed-out';

/** The client side of the contract: the same interface over IPC or HTTP. */
export interface ApiClient {
  call<K extends OperationName>(op: K, input: OpInput<K>): Promise<OpOutput<K>>;
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
  /** Connection changes, for transports that can lose one; absent means always connected. */
  onConnection?(listener: (state: ConnectionState) => void): () => void;
}
