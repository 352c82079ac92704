/**
 * A run's artifacts on a team hub as a tree source (core/tree-transfer.ts):
 * the hub lists them with `artifacts.links`, each file with a URL its bytes
 * come from, and every file goes through the core's ranged download
 * (core/ranged-download.ts), so `dstack cp` through a hub is parallel,
 * resumable and verified exactly as on a backend of its own. For an AWS
 * project the URLs are presigned S3 GETs and the bytes never pass through
 * the hub (nor does the hub token go to S3); for a local project they are
 * the hub's download route, which also sends the whole file's SHA-256 for
 * the final check. A link that expired, or that a restarted hub no longer
 * knows, is asked for again and the download resumes.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ArtifactLink } from '../../common/api/artifact-links';
import type { ArtifactSource } from '../../common/api/operations';
import { DstackError, NotFoundError } from '../../common/errors';
import type { DownloadFileOptions, ListOptions, ListPage } from '../../core/backend';
import type { RangeSource } from '../../core/ranged-download';
import { downloadRanged, SourceExpiredError } from '../../core/ranged-download';
import type { TreeSource } from '../../core/tree-transfer';
import type { HubClient } from './client';

/** A link this close to its expiry is asked for again before use. */
const FRESH_FOR_MS = 60_000;
/** Fresh links one file may ask for in one download (each expiry resumes). */
const REFRESHES = 3;

const isAbsolute = (url: string) => /^https?:\/\//i.test(url);
const unquote = (etag: string | null) => (etag ?? '').replace(/"/g, '');

export class HubLinkSource implements TreeSource {
  private readonly links = new Map<string, ArtifactLink>();

  constructor(
    private readonly hub: HubClient,
    private readonly source: ArtifactSource,
    /** DSTACK_HOME: the staging folder for partial files. */
    private readonly home: string,
  ) {}

  /** One page of the files under `prefix` (a folder ending in `/`, or '' for all), keyed by their artifact paths. */
  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    const page = await this.hub.call('artifacts.links', { projectId: this.hub.projectId, source: this.source, path: prefix, ...(opts.token ? { token: opts.token } : {}) });
    for (const f of page.files) this.links.set(f.path, f);
    const objects = page.files.map((f) => ({ key: f.path, size: f.size, etag: f.etag, modified: 0 }));
    return page.next ? { objects, prefixes: [], next: page.next } : { objects, prefixes: [] };
  }

  /** The file at `path`, when `path` names one file (not a folder). */
  async file(path: string): Promise<ArtifactLink | undefined> {
    const page = await this.hub.call('artifacts.links', { projectId: this.hub.projectId, source: this.source, path });
    const link = page.files.length === 1 && page.files[0]!.path === path ? page.files[0] : undefined;
    if (link) this.links.set(path, link);
    return link;
  }

  private async fresh(path: string): Promise<ArtifactLink> {
    const link = await this.file(path);
    if (!link) throw new NotFoundError(`The artifact ${path} is gone from this run.`, 'List the artifacts again with `dstack ls`.');
    return link;
  }

  async downloadFile(key: string, localPath: string, opts: DownloadFileOptions = {}): Promise<void> {
    let link = this.links.get(key) ?? (await this.fresh(key));
    for (let refreshed = 0; ; refreshed++) {
      if (link.expiresAt - Date.now() < FRESH_FOR_MS) link = await this.fresh(key);
      try {
        return await downloadRanged(this.home, this.rangeSource(link), localPath, {
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
        });
      } catch (err) {
        if (!(err instanceof SourceExpiredError) || refreshed >= REFRESHES) throw err;
        link = await this.fresh(key);
      }
    }
  }

  private rangeSource(link: ArtifactLink): RangeSource {
    const source: RangeSource = {
      key: link.path,
      size: link.size,
      etag: link.etag,
      ...(link.md5 ? { md5: link.md5 } : {}),
      ...(link.multipartPartSize ? { multipartPartSize: link.multipartPartSize } : {}),
      read: async (start, len, signal) => {
        const { body, sha256 } = await this.read(link, start, len, signal);
        if (sha256) source.sha256 = sha256;
        return body;
      },
      // Every part was resumed, so no read brought the whole file's SHA-256: a one-byte read asks the hub for it.
      lookUpHashes: async (signal) => {
        if (link.size === 0) return;
        const { body, sha256 } = await this.read(link, 0, 1, signal ?? new AbortController().signal);
        let got = 0;
        for await (const chunk of body) got += chunk.length;
        if (sha256 && got === 1) source.sha256 = sha256;
      },
    };
    return source;
  }

  private async read(link: ArtifactLink, start: number, len: number, signal: AbortSignal): Promise<{ body: AsyncIterable<Uint8Array>; sha256?: string }> {
    const range = { range: `bytes=${start}-${start + len - 1}` };
    const direct = isAbsolute(link.url);
    let res: Response;
    try {
      // Pinned to the version listed: storage answers 412 if it was rewritten since. The hub sends the whole file's SHA-256 (RFC 9530) when asked.
      res = direct
        ? await fetch(link.url, { headers: { ...range, 'if-match': `"${link.etag}"` }, redirect: 'error', signal })
        : await this.hub.get(link.url, { ...range, 'want-repr-digest': 'sha-256=9' }, signal);
    } catch (err) {
      if (signal.aborted || err instanceof DstackError) throw err;
      throw new DstackError('unavailable', `The storage did not answer for ${link.path} (${(err as Error).message}).`, { fix: 'Try again: the download resumes.' });
    }
    const whole = res.status === 200 && start === 0 && len === link.size;
    if (res.status === 206 || whole) {
      if (direct && res.headers.get('etag') && unquote(res.headers.get('etag')) !== link.etag) {
        await res.body?.cancel();
        throw changed(link);
      }
      const digest = /^sha-256=:([A-Za-z0-9+/=]+):$/.exec(res.headers.get('repr-digest') ?? '')?.[1];
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      return digest ? { body, sha256: Buffer.from(digest, 'base64').toString('hex') } : { body };
    }
    throw await this.failure(link, res, direct);
  }

  private async failure(link: ArtifactLink, res: Response, direct: boolean): Promise<DstackError> {
    if (res.status === 412) {
      await res.body?.cancel();
      return changed(link);
    }
    if (!direct) {
      // The hub forgot the link (it restarted, or many links came since): a fresh one resumes the download.
      if (res.status === 404) return (await res.body?.cancel(), new SourceExpiredError(link.path));
      if (res.status >= 500 || res.status === 409) return new DstackError('unavailable', `The hub answered ${res.status} for ${link.path}.`, { fix: 'Try again: the download resumes.' });
      return this.hub.refusal(res);
    }
    const text = await res.text().catch(() => '');
    if (res.status === 403 && /expired/i.test(text)) return new SourceExpiredError(link.path);
    if (res.status >= 500) return new DstackError('unavailable', `The storage answered ${res.status} for ${link.path}.`, { fix: 'Try again: the download resumes.' });
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
    return new DstackError('permission', `The storage refused the link to ${link.path} (${res.status}${code ? ` ${code}` : ''}).`, {
      fix: "Ask the hub admin to check the project's storage permissions (s3:GetObject on its bucket).",
    });
  }
}

function changed(link: ArtifactLink): DstackError {
  return new DstackError('conflict', `The artifact ${link.path} changed while it was downloading.`, { fix: 'Run the same `dstack cp` again.' });
}
