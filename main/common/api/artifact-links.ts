/**
 * What `artifacts.links` answers: each artifact file with a URL its bytes
 * come from, so a hub client downloads them with its own parallel, resumable
 * and verified engine (core/url-download.ts) instead of through a hub task.
 * For an AWS project the URL is a presigned S3 GET and the hub never sees
 * the bytes; for a local project it is the hub's own download route.
 */

/** One artifact file and where to GET it (with Range) until `expiresAt`. */
export interface ArtifactLink {
  /** Path within the run's artifacts, `/`-separated. */
  path: string;
  size: number;
  /** The object's version: an S3 ETag, or local storage's size-and-mtime tag. */
  etag: string;
  /** Absolute (a storage's presigned URL), or a path on the server that answered. */
  url: string;
  /** Milliseconds since the epoch; after it the client asks for the link again. */
  expiresAt: number;
  /** The whole file's MD5 (hex), when known: S3's single-part ETag. */
  md5?: string;
  /** For an S3 multipart ETag: the part size the ETag follows from. */
  multipartPartSize?: number;
}

export interface ArtifactLinkPage {
  files: ArtifactLink[];
  /** Pass back as `token` for the next page; absent on the last. */
  next?: string;
}
