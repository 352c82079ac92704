/**
 * Storage on Cloud Storage, through its JSON API, with the same key layout
 * as S3 (core/keys.ts). Conditional writes map onto generation
 * preconditions: a create is `ifGenerationMatch=0`, an update
 * `ifGenerationMatch=<the generation read>`, and Cloud Storage answers a
 * lost one with 412, which becomes the core's PreconditionFailedError. The
 * generation is the etag everywhere (getWithEtag, head, list).
 */
import type { ListOptions, ListPage, ObjectInfo, PutCondition, Storage, VersionedObject } from '../../core/backend';
import { PreconditionFailedError } from '../../core/backend';
import { DstackError } from '../../common/errors';
import { runPool } from '../../core/pool';
import { dstackHome } from '../../node/home';
import { GcpHttpError } from './errors';
import type { GcsObject, GcsTarget } from './gcs-object';
import { generationMatch, gsUrl, isMissingBucket, listUrl, objectUrl, toInfo, uploadUrl } from './gcs-object';
import type { GcsDownloadOptions } from './gcs-download';
import { downloadObject } from './gcs-download';
import type { GcsUploadOptions } from './gcs-upload';
import { uploadObject } from './gcs-upload';

/** Deletes in flight at once: the JSON API deletes one object per call. */
const DELETE_CONCURRENCY = 16;
const MAX_PAGE = 1000;

export class GcsStorage implements Storage {
  private readonly t: GcsTarget;

  /** @param home DSTACK_HOME, whose private `staging` folder holds unfinished downloads. */
  constructor(
    t: GcsTarget,
    private readonly home = dstackHome(),
  ) {
    this.t = t;
  }

  async get(key: string): Promise<Buffer | undefined> {
    return (await this.getWithEtag(key))?.body;
  }

  async getWithEtag(key: string): Promise<VersionedObject | undefined> {
    const ctx = { action: 'storage.objects.get', resource: gsUrl(this.t, key) };
    const res = await this.guard(() => this.t.http.call({ ...ctx, url: objectUrl(this.t, key), query: { alt: 'media' }, accept: [404], idempotent: true }));
    if (res.status === 404) return this.missing(res);
    const body = Buffer.from(await res.arrayBuffer());
    return { body, etag: res.headers.get('x-goog-generation') ?? '' };
  }

  /**
   * One media upload. A conditional one is never retried by us: if its
   * answer were lost after it succeeded, the retry would see its own write
   * and report a lost race that was won.
   */
  async put(key: string, body: Buffer | string, condition?: PutCondition): Promise<void> {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const ctx = { action: 'storage.objects.create', resource: gsUrl(this.t, key) };
    const match = condition ? generationMatch(condition) : undefined;
    // A generation is a number; anything else was never read from here, so it cannot match.
    if (condition && match === undefined) throw new PreconditionFailedError(key);
    try {
      await this.guard(() =>
        this.t.http.call({
          ...ctx,
          method: 'POST',
          url: uploadUrl(this.t),
          query: { uploadType: 'media', name: key, ifGenerationMatch: match },
          headers: { 'content-type': 'application/octet-stream' },
          body: data,
          idempotent: !condition,
        }),
      );
    } catch (err) {
      if (condition && err instanceof GcpHttpError && err.status === 412) throw new PreconditionFailedError(key);
      throw err;
    }
  }

  locate(key: string): string {
    return gsUrl(this.t, key);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const o = await this.metadata(key);
    return o && toInfo(o);
  }

  /** The object resource, with its hashes; undefined when missing. */
  async metadata(key: string, signal?: AbortSignal): Promise<GcsObject | undefined> {
    const ctx = { action: 'storage.objects.get', resource: gsUrl(this.t, key) };
    const res = await this.guard(() => this.t.http.call({ ...ctx, url: objectUrl(this.t, key), accept: [404], idempotent: true, ...(signal ? { signal } : {}) }));
    if (res.status === 404) return this.missing(res);
    return (await res.json()) as GcsObject;
  }

  async delete(keys: string[]): Promise<void> {
    await runPool(keys, DELETE_CONCURRENCY, async (key, signal) => {
      const ctx = { action: 'storage.objects.delete', resource: gsUrl(this.t, key) };
      const res = await this.guard(() => this.t.http.call({ ...ctx, method: 'DELETE', url: objectUrl(this.t, key), accept: [404], idempotent: true, signal }));
      if (res.status === 404) await this.missing(res);
    });
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    const ctx = { action: 'storage.objects.list', resource: gsUrl(this.t, prefix) };
    const page = await this.guard(async () => {
      const res = await this.t.http.call({
        ...ctx,
        url: listUrl(this.t),
        query: { prefix, delimiter: opts.delimiter, pageToken: opts.token, maxResults: Math.min(opts.limit ?? MAX_PAGE, MAX_PAGE) },
        idempotent: true,
      });
      return (await res.json()) as { items?: GcsObject[]; prefixes?: string[]; nextPageToken?: string };
    });
    return { objects: (page.items ?? []).map(toInfo), prefixes: page.prefixes ?? [], ...(page.nextPageToken ? { next: page.nextPageToken } : {}) };
  }

  uploadFile(localPath: string, key: string, opts?: GcsUploadOptions): Promise<void> {
    return this.guard(() => uploadObject(this.t, localPath, key, opts));
  }

  downloadFile(key: string, localPath: string, opts: GcsDownloadOptions = {}): Promise<void> {
    return this.guard(() => downloadObject(this.t, (k, s) => this.metadata(k, s), key, localPath, { ...opts, home: this.home }));
  }

  /** A 404 of the object is "missing"; a 404 of the bucket is a setup problem. */
  private async missing(res: Response): Promise<undefined> {
    const text = await res.text().catch(() => '');
    if (isMissingBucket(text)) throw this.noBucket();
    return undefined;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof GcpHttpError && err.status === 404 && isMissingBucket(err.message)) throw this.noBucket();
      throw err;
    }
  }

  private noBucket(): DstackError {
    return new DstackError('config', `The Cloud Storage bucket "${this.t.bucket}" does not exist.`, {
      fix: `Create it (\`gcloud storage buckets create gs://${this.t.bucket}\`) or name another bucket in the GCP settings.`,
    });
  }
}
