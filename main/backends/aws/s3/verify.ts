/**
 * Content checks for downloads. S3's ETag is the MD5 of the object for a
 * single PUT, and `md5(md5(part1) … md5(partN))-N` for a multipart upload.
 * The second can only be recomputed with the uploader's part size: our
 * uploader records it in metadata (see upload.ts); for objects uploaded by
 * other tools without it we can check only the size.
 * Whole files being downloaded are hashed by hasher.ts.
 */
import { createHash } from 'node:crypto';

export type Expectation =
  | { kind: 'md5'; md5: string }
  | { kind: 'multipart'; etag: string; uploadPartSize: number }
  | { kind: 'size' };

/** What can be checked for an object with this ETag. */
export function expectationFor(etag: string, uploadPartSize: number | undefined): Expectation {
  if (/^[0-9a-f]{32}$/i.test(etag)) return { kind: 'md5', md5: etag.toLowerCase() };
  if (/^[0-9a-f]{32}-\d+$/i.test(etag) && uploadPartSize) return { kind: 'multipart', etag: etag.toLowerCase(), uploadPartSize };
  return { kind: 'size' };
}

/** The ETag S3 gives an object of these parts' MD5 digests. */
export function multipartEtag(partDigests: Buffer[]): string {
  return `${createHash('md5').update(Buffer.concat(partDigests)).digest('hex')}-${partDigests.length}`;
}

/** The ETag as S3 would compute it for `data`, for either upload kind. */
export function etagOf(data: Buffer, exp: Expectation): string {
  if (exp.kind !== 'multipart') return createHash('md5').update(data).digest('hex');
  const digests: Buffer[] = [];
  for (let pos = 0; pos < data.length; pos += exp.uploadPartSize) {
    digests.push(createHash('md5').update(data.subarray(pos, pos + exp.uploadPartSize)).digest());
  }
  return multipartEtag(digests);
}
