/**
 * Object GETs for downloads, through object-http.ts (undici and a cached
 * signer, not the SDK's per-request pipeline), each pinned to the version
 * a download started with.
 */
import type { Dispatcher } from 'undici';
import { header, netErrorOf, ObjectHttp, s3ErrorOf } from './object-http';
import type { S3Target } from './target';

/** Thrown when the object is no longer the version a download is pinned to. */
export class ObjectChangedError extends Error {}

export interface ObjectGet {
  key: string;
  /** The ETag (unquoted) the bytes must belong to: S3 refuses any other version (If-Match). */
  etag: string;
  /** First and last byte, inclusive; absent for the whole object. */
  range?: [number, number];
  signal?: AbortSignal;
}

/** Where a response body goes as it arrives. */
export interface BodySink {
  /** Takes the next body bytes; a returned promise pauses reading until it settles, and fails the GET if it rejects. */
  write(bytes: Buffer): Promise<void> | undefined;
}

/** The SHA-256 of an empty body, sent and signed for every GET. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const readers = new WeakMap<ObjectHttp, ObjectReader>();

/** GETs objects of one bucket through one client's endpoint and credentials. */
export class ObjectReader {
  private constructor(private readonly http: ObjectHttp) {}

  /** The reader for this client and bucket, so connections are kept across downloads. */
  static for(t: S3Target): ObjectReader {
    const http = ObjectHttp.for(t);
    let reader = readers.get(http);
    if (!reader) readers.set(http, (reader = new ObjectReader(http)));
    return reader;
  }

  /** The object, or the range of it, in memory. */
  async read(req: ObjectGet): Promise<Buffer> {
    const pieces: Buffer[] = [];
    await this.stream(req, { write: (b) => void pieces.push(b) });
    return Buffer.concat(pieces);
  }

  /** The object, or the range of it, written into `sink` as it arrives. */
  async stream(req: ObjectGet, sink: BodySink): Promise<void> {
    const headers: Record<string, string> = { 'if-match': `"${req.etag}"`, 'x-amz-content-sha256': EMPTY_SHA256 };
    if (req.range) headers.range = `bytes=${req.range[0]}-${req.range[1]}`;
    const res = await this.http.send({ method: 'GET', key: req.key, headers, signal: req.signal });
    try {
      if (res.statusCode === 412) {
        res.body.destroy();
        throw new ObjectChangedError();
      }
      if (res.statusCode >= 300) throw await s3ErrorOf(res);
      try {
        checkHead(res.statusCode, res.headers, req);
      } catch (err) {
        res.body.destroy();
        throw err;
      }
      await drain(res.body, sink);
    } catch (err) {
      throw netErrorOf(err);
    }
  }
}

/** Feeds the body to the sink, pausing while the sink's promise is pending (events cost less CPU per chunk than async iteration). */
function drain(body: Dispatcher.ResponseData['body'], sink: BodySink): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    body.on('error', reject);
    body.on('end', resolve);
    body.on('data', (chunk: Buffer) => {
      const wait = sink.write(chunk);
      if (!wait) return;
      body.pause();
      wait.then(() => body.resume(), (err: unknown) => body.destroy(err as Error));
    });
  });
}

type Headers = Record<string, string | string[] | undefined>;

/** Refuses an answer that is not the asked-for bytes of the pinned version. */
function checkHead(status: number, headers: Headers, req: ObjectGet): void {
  if (header(headers, 'etag').replace(/"/g, '') !== req.etag) throw new ObjectChangedError();
  const length = Number(header(headers, 'content-length'));
  const ok = req.range
    ? status === 206 && header(headers, 'content-range').startsWith(`bytes ${req.range[0]}-${req.range[1]}/`) && length === req.range[1] - req.range[0] + 1
    : status === 200;
  if (!ok) throw new Error(`S3 answered a GET of ${req.range ? `bytes ${req.range[0]}-${req.range[1]}` : 'the whole object'} with something else (HTTP ${status}).`);
}
