/**
 * The whole file's SHA-256 as an RFC 9530 `Repr-Digest` header, sent when
 * a client asks with `Want-Repr-Digest: sha-256=…`. It describes the whole
 * file even on a 206 answer, so a client that fetched a file in ranged
 * parts checks the file it put together against the one served. Each file
 * is hashed once per version (path, size, mtime, inode), however many
 * ranged GETs ask.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { createReadStream } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';

/** Versions remembered; the oldest are forgotten first. */
const KEEP = 4096;
const digests = new Map<string, Promise<string>>();

/** Whether the request asks for the SHA-256 representation digest. */
export function wantsSha256(req: IncomingMessage): boolean {
  const want = req.headers['want-repr-digest'];
  return typeof want === 'string' && /(^|,)\s*sha-256\s*=\s*[1-9]/i.test(want);
}

/** `sha-256=:base64:` of the file at `path` as `info` describes it. */
export async function reprDigest(path: string, info: Stats): Promise<string> {
  const key = `${path}\0${info.size}\0${info.mtimeMs}\0${info.ino}`;
  let digest = digests.get(key);
  if (!digest) {
    digest = (async () => {
      const hash = createHash('sha256');
      await pipeline(createReadStream(path), hash);
      return `sha-256=:${hash.digest('base64')}:`;
    })();
    digests.set(key, digest);
    digest.catch(() => digests.delete(key));
    if (digests.size > KEEP) digests.delete(digests.keys().next().value!);
  }
  return digest;
}
