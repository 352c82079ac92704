/**
 * One keep-alive connection of http1.ts: writes a GET, parses the answer
 * (status line, headers, then a body framed by Content-Length, chunks or
 * the connection closing) and hands body bytes to the exchange's sink as
 * they arrive, reading straight into the sink's memory when it offers some.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { BodySink, Http1Options, HttpResponse, Origin, ResponseHead } from './http1';

/** What a connection reports back to: its pool. */
export interface ConnectionOwner {
  /** The connection finished an exchange and may serve another. */
  release(conn: Connection): void;
  /** The connection closed. */
  gone(conn: Connection): void;
}

const READ_BUFFER = 128 * 1024;
const MAX_HEAD = 64 * 1024;
/** Bodies read into memory (error documents, small objects) are at most this big. */
const MAX_MEMORY_BODY = 64 * 1024 * 1024;
const IDLE_TIMEOUT = 15_000;

/** An error shaped like Node's socket errors, so callers can tell what is worth a retry. */
function netError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The error a request cancelled through its signal fails with. */
export function abortError(): Error {
  return Object.assign(new Error('The request was aborted.'), { name: 'AbortError' });
}

type State = 'head' | 'length' | 'close' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer';

interface Exchange {
  onHead: (head: ResponseHead) => BodySink | undefined;
  resolve: (res: HttpResponse) => void;
  reject: (err: unknown) => void;
  head?: ResponseHead;
  sink?: BodySink;
  /** The body read into memory: preallocated when its length is known, else pieces. */
  body?: Buffer;
  pieces?: Buffer[];
  filled: number;
  /** The sink's pending promise, while it holds reading back. */
  wait?: Promise<void>;
}

/** One socket, serving one exchange at a time. */
export class Connection {
  private readonly socket: net.Socket;
  private readonly buf = Buffer.allocUnsafe(READ_BUFFER);
  private ex?: Exchange;
  private state: State = 'head';
  /** Bytes left in the body (length framing) or in the current chunk. */
  private left = 0;
  /** The start of a line split across two reads. */
  private carry?: Buffer;
  private status = 0;
  private http11 = true;
  private headers: Record<string, string> = {};
  private headSize = 0;
  private keepAlive = true;
  private closed = false;
  /** Exchanges completed on this connection. */
  served = 0;
  /** Whether any byte of an answer arrived for the current (or last) exchange. */
  answered = false;

  constructor(
    origin: Origin,
    private readonly opts: Http1Options,
    private readonly pool: ConnectionOwner,
  ) {
    const onread = { buffer: () => this.nextBuffer(), callback: (n: number, buf: Buffer) => this.onRead(n, buf) };
    const { hostname: host, port } = origin;
    this.socket =
      origin.protocol === 'https:'
        ? tls.connect({ ...opts.tls, host, port, servername: net.isIP(host) ? undefined : host, onread } as tls.ConnectionOptions)
        : net.connect({ host, port, onread } as net.NetConnectOpts);
    this.socket.setNoDelay(true);
    this.socket.setTimeout(opts.connectTimeout ?? 10_000);
    this.socket.once(origin.protocol === 'https:' ? 'secureConnect' : 'connect', () => this.socket.setTimeout(this.activeTimeout()));
    this.socket.on('timeout', () => this.fail(netError(`No answer from ${host}:${port} within ${this.activeTimeout() / 1000} s.`, 'ETIMEDOUT')));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('end', () => {
      if (this.ex?.head && this.state === 'close') this.finish();
      else this.fail(netError('The connection closed before the response was complete.', 'ECONNRESET'));
    });
    this.socket.on('close', () => {
      this.fail(netError('The connection closed before the response was complete.', 'ECONNRESET'));
      this.closed = true;
      this.pool.gone(this);
    });
    // 'end' is only emitted in flowing mode; the data itself arrives through onread.
    this.socket.resume();
  }

  request(path: string, headers: Record<string, string>, onHead: Exchange['onHead'], signal?: AbortSignal): Promise<HttpResponse> {
    let head = `GET ${path} HTTP/1.1\r\n`;
    for (const [name, value] of Object.entries(headers)) {
      if (/[\r\n]/.test(value)) throw new Error(`The ${name} header contains a line break.`);
      head += `${name}: ${value}\r\n`;
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      const onAbort = () => this.fail(abortError());
      const settle = <T>(fn: (v: T) => void) => (v: T) => {
        signal?.removeEventListener('abort', onAbort);
        fn(v);
      };
      this.ex = { onHead, resolve: settle(resolve), reject: settle(reject), filled: 0 };
      this.answered = false;
      this.socket.ref();
      this.socket.setTimeout(this.activeTimeout());
      signal?.addEventListener('abort', onAbort, { once: true });
      this.socket.write(`${head}\r\n`, 'latin1');
    });
  }

  private activeTimeout(): number {
    return this.opts.socketTimeout ?? 60_000;
  }

  /**
   * Where the socket reads next; asked after every read. Body bytes of a
   * known length go straight into the sink's memory while it has room and
   * is not holding reading back; everything else lands in the connection's
   * own buffer. An exchange only ends without another read when the socket
   * is destroyed, so a sink's memory is never written after its request.
   */
  private nextBuffer(): Buffer {
    const sink = this.ex?.sink;
    if (sink?.space && this.state === 'length' && this.left > 0 && !this.ex!.wait) {
      const space = sink.space();
      if (space && space.length > 0) return space.length > this.left ? space.subarray(0, this.left) : space;
    }
    return this.buf;
  }

  private onRead(n: number, buf: Buffer): boolean {
    const ex = this.ex;
    if (!ex) {
      // Nothing was asked: a server talking out of turn cannot be trusted with the next request.
      this.socket.destroy();
      return false;
    }
    this.answered = true;
    try {
      this.feed(buf.subarray(0, n));
    } catch (err) {
      this.fail(err);
      return false;
    }
    if (this.ex !== ex || !ex.wait) return true;
    const wait = ex.wait;
    wait.then(
      () => {
        if (this.ex !== ex || ex.wait !== wait) return;
        ex.wait = undefined;
        this.socket.resume();
      },
      (err: unknown) => this.fail(err),
    );
    return false;
  }

  private feed(data: Buffer): void {
    let i = 0;
    while (i < data.length) {
      if (!this.ex) throw netError('The server sent bytes after the end of the response.', 'ECONNRESET');
      if (this.state === 'length' || this.state === 'chunk-data') {
        const take = Math.min(this.left, data.length - i);
        this.deliver(data.subarray(i, i + take));
        i += take;
        this.left -= take;
        if (this.left > 0) continue;
        if (this.state === 'length') this.finish();
        else this.state = 'chunk-end';
      } else if (this.state === 'close') {
        this.deliver(data.subarray(i));
        i = data.length;
      } else {
        const nl = data.indexOf(10, i);
        if (nl < 0) {
          this.carry = this.carry ? Buffer.concat([this.carry, data.subarray(i)]) : Buffer.from(data.subarray(i));
          if (this.carry.length > MAX_HEAD) throw netError('The response has a line longer than 64 KiB.', 'EPROTO');
          return;
        }
        const piece = data.subarray(i, nl);
        const line = (this.carry ? Buffer.concat([this.carry, piece]) : piece).toString('latin1').replace(/\r$/, '');
        this.carry = undefined;
        i = nl + 1;
        this.onLine(line);
      }
    }
  }

  private onLine(line: string): void {
    switch (this.state) {
      case 'head':
        this.headSize += line.length;
        if (this.headSize > MAX_HEAD) throw netError('The response head is larger than 64 KiB.', 'EPROTO');
        if (this.status === 0) {
          const m = /^HTTP\/1\.([01]) (\d{3})/.exec(line);
          if (!m) throw netError(`Not an HTTP/1.x response: ${JSON.stringify(line.slice(0, 40))}.`, 'EPROTO');
          this.http11 = m[1] === '1';
          this.status = Number(m[2]);
        } else if (line === '') {
          this.endHead();
        } else {
          const colon = line.indexOf(':');
          if (colon <= 0) throw netError(`A malformed response header: ${JSON.stringify(line.slice(0, 40))}.`, 'EPROTO');
          const name = line.slice(0, colon).trim().toLowerCase();
          const value = line.slice(colon + 1).trim();
          this.headers[name] = this.headers[name] === undefined ? value : `${this.headers[name]}, ${value}`;
        }
        return;
      case 'chunk-size': {
        const size = Number.parseInt(line, 16);
        if (!/^[0-9a-f]+/i.test(line) || !Number.isSafeInteger(size)) throw netError('A malformed chunk size.', 'EPROTO');
        this.left = size;
        this.state = size === 0 ? 'trailer' : 'chunk-data';
        return;
      }
      case 'chunk-end':
        if (line !== '') throw netError('A chunk is longer than its size says.', 'EPROTO');
        this.state = 'chunk-size';
        return;
      default:
        if (line === '') this.finish();
    }
  }

  private endHead(): void {
    const status = this.status;
    const headers = this.headers;
    this.status = 0;
    this.headers = {};
    this.headSize = 0;
    if (status < 200) return; // 100 Continue and the like: the real head follows.
    const ex = this.ex!;
    ex.head = { status, headers };
    this.keepAlive = this.http11 && !/(^|,)\s*close\s*(,|$)/i.test(headers.connection ?? '');
    ex.sink = ex.onHead(ex.head);
    const length = headers['content-length'];
    if (status === 204 || status === 304) {
      this.finish();
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      this.state = 'chunk-size';
    } else if (length !== undefined) {
      if (!/^\d+$/.test(length)) throw netError(`A malformed Content-Length: ${JSON.stringify(length)}.`, 'EPROTO');
      this.left = Number(length);
      if (!ex.sink) {
        if (this.left > MAX_MEMORY_BODY) throw netError('The response body is too large to read into memory.', 'EPROTO');
        ex.body = Buffer.allocUnsafe(this.left);
      }
      this.state = 'length';
      if (this.left === 0) this.finish();
    } else {
      this.state = 'close';
      this.keepAlive = false;
    }
  }

  private deliver(bytes: Buffer): void {
    const ex = this.ex!;
    if (ex.sink) {
      const p = ex.sink.write(bytes);
      if (p) ex.wait = ex.wait ? Promise.all([ex.wait, p]).then(() => undefined) : p;
    } else if (ex.body) {
      bytes.copy(ex.body, ex.filled);
      ex.filled += bytes.length;
    } else {
      (ex.pieces ??= []).push(Buffer.from(bytes));
      ex.filled += bytes.length;
      if (ex.filled > MAX_MEMORY_BODY) throw netError('The response body is too large to read into memory.', 'EPROTO');
    }
  }

  /** The response is complete: hand the connection back, then settle once the sink has caught up. */
  private finish(): void {
    const ex = this.ex!;
    this.ex = undefined;
    this.state = 'head';
    this.served++;
    const res: HttpResponse = { ...ex.head! };
    if (!ex.sink) res.body = ex.body ?? Buffer.concat(ex.pieces ?? []);
    if (this.keepAlive && !this.closed) {
      this.socket.unref();
      this.socket.setTimeout(IDLE_TIMEOUT);
      this.pool.release(this);
    } else {
      this.socket.destroy();
    }
    if (ex.wait) ex.wait.then(() => ex.resolve(res), ex.reject);
    else ex.resolve(res);
  }

  /** Fails the current exchange, if any, and drops the connection. */
  private fail(err: unknown): void {
    const ex = this.ex;
    this.ex = undefined;
    this.carry = undefined;
    this.socket.destroy();
    if (!ex) return;
    // A sink that is still writing must finish before the caller cleans up after the failure.
    if (ex.wait) ex.wait.then(() => ex.reject(err), () => ex.reject(err));
    else ex.reject(err);
  }
}
