/**
 * Typed errors with messages written for people. Every error the app shows
 * is one of these, so the CLI prints one line and the UI a sentence with a
 * fix, never a stack trace. `code` survives serialization across IPC/HTTP.
 */
export type ErrorCode =
  | 'invalid_argument'
  | 'invalid_workflow'
  | 'not_found'
  | 'conflict'
  | 'illegal_transition'
  | 'config'
  | 'permission'
  | 'credentials'
  | 'capacity'
  | 'quota'
  | 'unavailable'
  | 'cancelled'
  | 'verification'
  | 'internal';

/** Plain-data form of a {@link DstackError}, as carried by IPC and HTTP. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  fix?: string;
  details?: unknown;
}

/** Base of every error meant for a user: a sentence, plus an optional fix. */
export class DstackError extends Error {
  readonly code: ErrorCode;
  readonly fix?: string;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, opts: { fix?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DstackError';
    this.code = code;
    this.fix = opts.fix;
    this.details = opts.details;
  }

  /** One line for a terminal: the message, then the fix when there is one. */
  toLine(): string {
    return this.fix ? `${this.message} ${this.fix}` : this.message;
  }

  toJSON(): SerializedError {
    const out: SerializedError = { code: this.code, message: this.message };
    if (this.fix) out.fix = this.fix;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }
}

/** A named thing (run, tag, workflow, secret, artifact) does not exist. */
export class NotFoundError extends DstackError {
  constructor(message: string, fix?: string) {
    super('not_found', message, { fix });
    this.name = 'NotFoundError';
  }
}

/**
 * The details a backend gives a `capacity` error that waiting can cure (the
 * cloud is out of machines of that type right now), so that a caller may
 * try again later without knowing that backend's error codes.
 */
export interface CapacityShortage {
  shortage: true;
}

/** An argument from a user or a caller across the API boundary is wrong. */
export class InvalidArgumentError extends DstackError {
  constructor(message: string, fix?: string, details?: unknown) {
    super('invalid_argument', message, { fix, details });
    this.name = 'InvalidArgumentError';
  }
}

/** A name is already taken (a user, a project, a run name): the caller should pick another. */
export class ConflictError extends DstackError {
  constructor(message: string, fix?: string, details?: unknown) {
    super('conflict', message, { fix, details });
    this.name = 'ConflictError';
  }
}

/** The user or the API cancelled a long task. */
export class CancelledError extends DstackError {
  constructor(message = 'Cancelled.') {
    super('cancelled', message);
    this.name = 'CancelledError';
  }
}

/** A cloud permission is missing; names the exact IAM action. */
export class PermissionError extends DstackError {
  readonly action: string;
  constructor(action: string, resource?: string, cause?: unknown) {
    super(
      'permission',
      `Access denied: the credentials lack ${action}${resource ? ` on ${resource}` : ''}.`,
      { fix: `Attach the dstack IAM policy (dstack config aws shows it) or grant ${action}.`, details: { action, resource }, cause },
    );
    this.name = 'PermissionError';
    this.action = action;
  }
}

/** Turns anything thrown into a DstackError, keeping typed ones as they are. */
export function toDstackError(err: unknown): DstackError {
  if (err instanceof DstackError) return err;
  if (err instanceof Error && err.name === 'AbortError') return new CancelledError();
  const message = err instanceof Error ? err.message : String(err);
  return new DstackError('internal', message || 'Unexpected error.', { cause: err });
}

/** Rebuilds an error on the receiving side of IPC/HTTP, keeping code and fix. */
export function fromSerialized(e: SerializedError): DstackError {
  return new DstackError(e.code, e.message, { fix: e.fix, details: e.details });
}
