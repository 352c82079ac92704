/**
 * A small HTTP/1.1 client for the one request transfers repeat thousands of
 * times: a GET of an object or of a range of it. Node's http module
 * allocates a fresh buffer for every socket read and runs each response
 * through streams and events; on a 2-core machine moving a GiB or 10,000
 * small files, that costs as much CPU as the S3 server itself. Here every
 * connection reads into one buffer of its own, reused for its whole life
 * (the socket's `onread` option), and body bytes go straight to a sink.
 *
 * Only what a GET needs: keep-alive connections, bodies framed by
 * Content-Length, chunked or connection close; no pipelining, no redirects
 * (S3 answers a wrong region with an error, not a redirect to follow).
 */
import type tls from 'node:tls';
import type { ConnectionOwner } from './http1-connection';
import { abortError, Connection } from './http1-connection';

export interface Origin {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number;
}

export interface ResponseHead {
  status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
}

/** Where a response body goes as it arrives. */
export interface BodySink {
  /**
   * Takes the next body bytes, valid only during the call (the connection
   * reads into the same buffer again). A returned promise pauses reading
   * until it settles; if it rejects, the request fails with its error.
   */
  write(bytes: Buffer): Promise<void> | undefined;
  /**
   * Memory the socket may read the next body bytes straight into, saving a
   * copy; `write` then gets a view of its start. It must stay untouched
   * until that `write`, or until the request settles.
   */
  space?(): Buffer | undefined;
}

export interface HttpResponse extends ResponseHead {
  /** The whole body, when `onHead` gave no sink for it. */
  body?: Buffer;
}

export interface Http1Options {
  /** A request fails (ETIMEDOUT) when no byte arrives for this long, in ms. */
  socketTimeout?: number;
  /** A connection that is not up within this many ms fails (ETIMEDOUT). */
  connectTimeout?: number;
  /** Connections open at once; further requests wait for one. */
  maxSockets?: number;
  /** Extra TLS settings for https origins, such as a private CA. */
  tls?: tls.ConnectionOptions;
}

/** Keep-alive connections to one origin. */
export class Http1Pool implements ConnectionOwner {
  private readonly idle: Connection[] = [];
  private readonly waiting: (() => void)[] = [];
  private open = 0;

  constructor(
    readonly origin: Origin,
    private readonly opts: Http1Options = {},
  ) {}

  /**
   * GETs `path` (already encoded) with `headers` (lower-case names). When the
   * head arrives, `onHead` returns a sink for the body, or nothing to have
   * the body read into memory; throwing from it drops the connection and
   * fails the request with that error.
   */
  async get(path: string, headers: Record<string, string>, onHead: (head: ResponseHead) => BodySink | undefined, signal?: AbortSignal): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw abortError();
      const conn = await this.take();
      const reused = conn.served > 0;
      try {
        return await conn.request(path, headers, onHead, signal);
      } catch (err) {
        // A kept-alive connection the server closed while it was idle fails
        // before any byte of an answer; a GET is safe to send again.
        if (attempt === 1 && reused && !conn.answered && !signal?.aborted) continue;
        throw err;
      }
    }
  }

  private async take(): Promise<Connection> {
    for (;;) {
      const idle = this.idle.pop();
      if (idle) return idle;
      if (this.open < (this.opts.maxSockets ?? 128)) {
        this.open++;
        return new Connection(this.origin, this.opts, this);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** A connection finished an exchange and may serve another. */
  release(conn: Connection): void {
    this.idle.push(conn);
    this.waiting.shift()?.();
  }

  /** A connection closed. */
  gone(conn: Connection): void {
    this.open--;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    this.waiting.shift()?.();
  }
}
