/**
 * Downloads one object on the core's ranged download
 * (core/ranged-download.ts), which stages it privately, fetches parts in
 * parallel, journals and resumes them and checks the whole file before the
 * rename. What is Cloud Storage's is here: every ranged GET is pinned to
 * the generation first seen (`ifGenerationMatch`), so a rewrite
 * mid-download is a 412 and the download starts over from fresh metadata,
 * never a file spliced from two versions; and the final check is the
 * object's MD5, or its CRC-32C, all a composite object has.
 */
import type { DownloadFileOptions, ObjectInfo } from '../../core/backend';
import { DstackError, NotFoundError } from '../../common/errors';
import type { RangeSource } from '../../core/ranged-download';
import { downloadRanged } from '../../core/ranged-download';
import { GcpHttpError } from './errors';
import type { GcsObject, GcsTarget } from './gcs-object';
import { gsUrl, objectUrl } from './gcs-object';

export interface GcsDownloadOptions extends DownloadFileOptions {
  /** Bytes per ranged GET and per journal entry. */
  partSize?: number;
  /** Ranged GETs in flight at once. */
  concurrency?: number;
}

/** Starts over this often when the object is rewritten under the download. */
const MAX_RESTARTS = 2;

type Metadata = (key: string, signal?: AbortSignal) => Promise<GcsObject | undefined>;

export async function downloadObject(t: GcsTarget, metadata: Metadata, key: string, localPath: string, opts: GcsDownloadOptions & { home: string }): Promise<void> {
  const { signal, onProgress, partSize, concurrency } = opts;
  let listed = opts.listed;
  for (let attempt = 0; ; attempt++) {
    try {
      return await downloadRanged(opts.home, await objectSource(t, metadata, key, listed, signal), localPath, { signal, onProgress, partSize, concurrency });
    } catch (err) {
      if (err instanceof GcpHttpError && err.status === 404) throw notFound(t, key);
      if (!(err instanceof GcpHttpError && err.status === 412) || attempt >= MAX_RESTARTS) throw err;
      // The object changed since it was listed or first read: start over from its metadata.
      listed = undefined;
    }
  }
}

/**
 * The object as a range source pinned to one generation. A listing's entry
 * saves a metadata GET per file: its generation pins the reads, whose
 * `x-goog-hash` header carries the hashes; when no read is made (every part
 * resumed), they come from the metadata, which must still be that generation.
 */
async function objectSource(t: GcsTarget, metadata: Metadata, key: string, listed: ObjectInfo | undefined, signal?: AbortSignal): Promise<RangeSource> {
  const generation = listed?.etag ?? '';
  const fromListing: GcsObject | undefined = listed && /^[1-9]\d*$/.test(generation) ? { name: key, size: String(listed.size), generation } : undefined;
  const meta = fromListing ?? (await metadata(key, signal));
  if (!meta) throw notFound(t, key);
  const size = Number(meta.size);
  const src: RangeSource = {
    key,
    size,
    etag: meta.generation,
    ...hashes(meta),
    read: async (start, len, s) => {
      const res = await t.http.call({
        action: 'storage.objects.get',
        resource: gsUrl(t, key),
        url: objectUrl(t, key),
        query: { alt: 'media', ifGenerationMatch: meta.generation },
        headers: { range: `bytes=${start}-${start + len - 1}` },
        idempotent: true,
        signal: s,
      });
      if (res.status !== 206 && !(res.status === 200 && len === size)) {
        await res.body?.cancel().catch(() => undefined);
        throw new DstackError('unavailable', `Cloud Storage answered a ranged read of ${gsUrl(t, key)} with ${res.status}.`, { fix: 'Try again.' });
      }
      if (!src.md5 && !src.crc32c) Object.assign(src, hashes(fromHeader(res.headers.get('x-goog-hash'))));
      return chunks(res.body!, s);
    },
  };
  if (fromListing) {
    src.lookUpHashes = async (s) => {
      const fresh = await metadata(key, s);
      if (!fresh || fresh.generation !== meta.generation) throw new GcpHttpError(412, 'conflict', `${gsUrl(t, key)} changed during the download.`);
      Object.assign(src, hashes(fresh));
    };
  }
  return src;
}

/** The object's MD5 and CRC-32C as the ranged download takes them: hex, not Cloud Storage's base64. */
function hashes(o: { md5Hash?: string; crc32c?: string }): Pick<RangeSource, 'md5' | 'crc32c'> {
  const hex = (b64: string) => Buffer.from(b64, 'base64').toString('hex');
  return { ...(o.md5Hash ? { md5: hex(o.md5Hash) } : {}), ...(o.crc32c ? { crc32c: hex(o.crc32c) } : {}) };
}

/** `x-goog-hash: crc32c=…,md5=…` (a composite object has no md5). */
function fromHeader(header: string | null): { md5Hash?: string; crc32c?: string } {
  const pairs = (header ?? '').split(',').map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()] as const);
  const get = (name: string) => pairs.find(([k]) => k === name)?.[1];
  return { md5Hash: get('md5'), crc32c: get('crc32c') };
}

/** The body's chunks. A body already flowing does not always notice the fetch's signal: cancelling the reader ends a pending read. */
async function* chunks(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncIterable<Uint8Array> {
  const reader = body.getReader();
  const stop = () => void reader.cancel().catch(() => undefined);
  signal.addEventListener('abort', stop, { once: true });
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) yield r.value;
  } finally {
    signal.removeEventListener('abort', stop);
    // A reader that stopped early (too many bytes, a cancel) lets the connection go.
    await reader.cancel().catch(() => undefined);
  }
}

function notFound(t: GcsTarget, key: string): NotFoundError {
  return new NotFoundError(`The object "${key}" does not exist.`, `Check the name; ${gsUrl(t, key)} is not in the bucket.`);
}
