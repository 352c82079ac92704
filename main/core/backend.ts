/**
 * The interface every backend implements: storage, compute, logs, secrets.
 * The core owns it and never imports a backend; `main/backends/` implement
 * it and the entry points (CLI, runner, app) pick one. Local keeps all four
 * on this machine; AWS maps them to S3, EC2, CloudWatch Logs and Secrets
 * Manager within the seed page's IAM policy.
 */
import { DstackError } from '../common/errors';
import type { BackendName, InstanceOffer, Job } from '../common/job';
import type { LogEvent } from '../common/log-event';

export interface ObjectInfo {
  key: string;
  size: number;
  /** S3 ETag without quotes, or a content hash for local storage. */
  etag?: string;
  modified: number;
}

/** One page of a listing. `prefixes` holds common prefixes when a delimiter is given. */
export interface ListPage {
  objects: ObjectInfo[];
  prefixes: string[];
  /** Pass back as `token` to get the next page; absent on the last page. */
  next?: string;
}

export interface ListOptions {
  delimiter?: string;
  token?: string;
  /** Page size; at most 1,000, as in S3. */
  limit?: number;
  /**
   * The caller needs keys only (status heads, claims): a backend may then
   * leave `size` and `modified` 0 and `etag` out, and may list a key
   * deleted while the listing ran. Local storage then skips a stat per
   * file; S3 returns them anyway, at no extra cost.
   */
  keysOnly?: boolean;
}

/** Progress of a transfer, reported as bytes move. */
export interface TransferProgress {
  bytes: number;
  total: number;
}

export interface TransferOptions {
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
}

export interface DownloadFileOptions extends TransferOptions {
  /**
   * The object as a listing just described it. A backend may trust it for
   * the first try instead of asking again (on S3, a HEAD per file); if the
   * object has changed since, the download notices and starts over.
   */
  listed?: ObjectInfo;
}

/**
 * A condition on a write, as S3's conditional PUT: `ifNoneMatch: '*'`
 * creates the key only if it does not exist (how a run claims its name);
 * `ifMatch` replaces the object only if it is still the version read with
 * that etag from {@link Storage.getWithEtag} (how a status change makes
 * sure nobody else changed the job in between).
 */
export type PutCondition = { ifNoneMatch: '*' } | { ifMatch: string };

/** An object's content and the etag to pass back as `ifMatch`. */
export interface VersionedObject {
  body: Buffer;
  etag: string;
}

/**
 * A conditional write lost: the key already exists, or it changed (or went)
 * since it was read. The caller re-reads and decides whether to try again.
 */
export class PreconditionFailedError extends DstackError {
  constructor(readonly key: string, message = `"${key}" was changed by another writer.`) {
    super('conflict', message, { fix: 'Try again: another dstack client or runner wrote it at the same time.' });
    this.name = 'PreconditionFailedError';
  }
}

/**
 * An object store with S3's semantics: flat keys, lexicographic paginated
 * listing, whole-object writes that are atomic to readers, and conditional
 * writes, so concurrent writers never lose each other's work.
 */
export interface Storage {
  get(key: string): Promise<Buffer | undefined>;
  /** The object with the etag that `put`'s `ifMatch` compares against; undefined when missing. */
  getWithEtag(key: string): Promise<VersionedObject | undefined>;
  /** Writes the whole object; with a condition, throws {@link PreconditionFailedError} when it does not hold. */
  put(key: string, body: Buffer | string, condition?: PutCondition): Promise<void>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Where a person finds the object (a file path, an s3:// URL), for messages about a damaged one. */
  locate?(key: string): string;
  /** Deletes every key given; missing keys are not an error. */
  delete(keys: string[]): Promise<void>;
  list(prefix: string, opts?: ListOptions): Promise<ListPage>;
  /**
   * A value that is the same only while no key under `prefix` (ending in
   * `/`) is created, rewritten or deleted, so a long-lived process can keep
   * what it parsed from a listing; undefined when the storage cannot tell
   * cheaply (S3, or a local folder that changed within the last second).
   */
  version?(prefix: string): Promise<string | undefined>;
  /** Uploads a local file; large files go up in parts. The previous object stays until the new one is complete. */
  uploadFile(localPath: string, key: string, opts?: TransferOptions): Promise<void>;
  /** Downloads to `localPath`: staged privately and resumable (core/staged-file.ts), verified, renamed into place atomically. */
  downloadFile(key: string, localPath: string, opts?: DownloadFileOptions): Promise<void>;
  /**
   * A URL anyone holding it may GET the object from (with Range) until
   * `expiresAt`, so a team hub hands out its project's bytes without
   * proxying them. Absent where the storage has no such URLs (local).
   */
  signedGet?(object: ObjectInfo, expiresInSec: number): Promise<SignedGet>;
}

/** A time-limited GET URL for one object, and what its content is checked against. */
export interface SignedGet {
  url: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** For an S3 multipart ETag: the uploader's part size, which the ETag follows from. */
  uploadPartSize?: number;
}

export type { LogEvent } from '../common/log-event';

/** Where a runner writes a job's log. Writes are batched by the caller. */
export interface LogSink {
  write(events: LogEvent[]): Promise<void>;
  close(): Promise<void>;
}

export interface LogReadOptions {
  /** Keep reading new lines until `isDone` says the job has ended and the log is drained. */
  follow?: boolean;
  isDone?: () => Promise<boolean>;
  signal?: AbortSignal;
}

export interface Logs {
  /** The runner's side: a sink for the job's own output. */
  open(job: Job): Promise<LogSink>;
  /** The client's side: batches of events in order, complete for a finished job. */
  read(job: Job, opts?: LogReadOptions): AsyncIterable<LogEvent[]>;
  /** Removes a finished job's log, for `rm`. Optional: CloudWatch logs expire by retention, and the seed policy has no delete action. */
  delete?(job: Job): Promise<void>;
}

export interface Secrets {
  set(repo: string, name: string, value: string): Promise<void>;
  delete(repo: string, name: string): Promise<void>;
  list(repo: string): Promise<string[]>;
  /** Values for the names given; a missing secret is a NotFoundError naming it. */
  values(repo: string, names: string[]): Promise<Record<string, string>>;
}

export interface Compute {
  /** The instance a job would get, with its price; undefined where there is no choice (local). */
  offer(job: Job): Promise<InstanceOffer | undefined>;
  /** Starts a runner for a submitted job. The runner then owns every status change. */
  launch(job: Job): Promise<void>;
  /**
   * Nudges a live runner after a stop request has been written (local: a
   * signal). `unstored`: no request could be written (a full disk), so the
   * runner must be told to stop itself, where the backend can reach it.
   */
  signal(job: Job, abort: boolean, opts?: { unstored?: boolean }): Promise<void>;
  /** False when the runner of a non-terminal job is known to be gone. */
  isAlive(job: Job): Promise<boolean>;
  /** Finds and cleans up what a crash left behind (orphan instances, dead runners). */
  reconcile(): Promise<void>;
  /**
   * Why the runner of a job is gone, in words for its `failed` status (on
   * EC2: the instance and the reason EC2 gives for ending it). Undefined
   * when the backend cannot tell; the core then says the runner exited.
   */
  whyGone?(job: Job): Promise<string | undefined>;
  /**
   * Ends the machine of a job whose runner has not started (status still
   * `submitted`), so an abort does not wait on a runner that may never
   * come. Returns what was ended, for the job's status reason, or undefined
   * when there was nothing to end. Absent where the starting runner itself
   * reads the stop request (local).
   */
  cancel?(job: Job): Promise<string | undefined>;
  /**
   * The runner's side, where the machine can be taken away under the job (a
   * spot instance): watches for notice of it and calls `onNotice` at most
   * once with a reason for the user, so the job can be stopped and its
   * artifacts saved in time. Returns the function that stops watching.
   * Absent where machines are never reclaimed (local).
   */
  watchInterruption?(job: Job, onNotice: (reason: string) => void): () => void;
}

export interface Backend {
  readonly name: BackendName;
  readonly storage: Storage;
  readonly compute: Compute;
  readonly logs: Logs;
  readonly secrets: Secrets;
  close(): Promise<void>;
}
