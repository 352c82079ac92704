/**
 * `artifacts.links`: the files at or under an artifact path, each with a URL
 * its bytes come from, for clients that download with their own engine
 * (the CLI through a team hub). A storage that signs URLs (S3) gives a
 * presigned GET valid for an hour, so the hub never carries the bytes; any
 * other storage gets the server's own download route for the file's item,
 * which answers Range requests (server/api-routes.ts).
 */
import { basename } from 'node:path';
import type { ArtifactLink } from '../common/api/artifact-links';
import { InvalidArgumentError } from '../common/errors';
import { normalizeArtifactPath } from '../core/artifacts';
import type { ObjectInfo, Storage } from '../core/backend';
import { keys } from '../core/keys';
import { runPool } from '../core/pool';
import type { ServiceContext } from './context';
import type { Handlers } from './handler';

/** How long a link works: long enough for a large file on a slow line; an expired one is asked for again. */
export const LINK_EXPIRES_SEC = 3600;
/** Files per page: one storage listing page. */
const PAGE = 1000;
/** Links made at once (a multipart S3 object costs one HEAD). */
const SIGN_CONCURRENCY = 16;

const MD5 = /^[0-9a-f]{32}$/i;
const MULTIPART = /^[0-9a-f]{32}-\d+$/i;

interface LinkScope {
  projectId: string;
  repo: string;
  ref: string;
  base: string;
}

async function linkFor(ctx: ServiceContext, storage: Storage, scope: LinkScope, o: ObjectInfo): Promise<ArtifactLink> {
  const path = o.key.slice(scope.base.length);
  const etag = o.etag ?? '';
  if (storage.signedGet) {
    const signed = await storage.signedGet(o, LINK_EXPIRES_SEC);
    return {
      path,
      size: o.size,
      etag,
      url: signed.url,
      expiresAt: signed.expiresAt,
      ...(MD5.test(etag) ? { md5: etag.toLowerCase() } : {}),
      ...(MULTIPART.test(etag) && signed.uploadPartSize ? { multipartPartSize: signed.uploadPartSize } : {}),
    };
  }
  const route = ctx.host.downloadUrl;
  if (!route) throw new InvalidArgumentError('Artifact links are for clients of a hub or `dstack server`.', 'Download with artifacts.download instead.');
  const item = ctx.items.add({ projectId: scope.projectId, repo: scope.repo, ref: scope.ref, path, name: basename(path), isDir: false, size: o.size });
  return { path, size: o.size, etag, url: route(item.id), expiresAt: Date.now() + LINK_EXPIRES_SEC * 1000 };
}

export const artifactLinkOps: Handlers<'artifacts.links'> = {
  'artifacts.links': async (ctx, { projectId, source, path, token }) => {
    const { repo } = await ctx.projects.resolve(projectId);
    const ref = 'tag' in source ? `:${source.tag}` : source.runName;
    const runs = await ctx.runs();
    const job = await runs.artifactsJob(repo, ref);
    const storage = runs.backend.storage;
    const base = keys.artifactsPrefix(repo, job.id);
    const rel = normalizeArtifactPath(path);
    // A path ending in `/` names a folder, even where a file of the same name exists.
    const file = rel && !token && !path.endsWith('/') ? await storage.head(base + rel) : undefined;
    const page = file ? { objects: [file], next: undefined } : await storage.list(base + (rel ? `${rel}/` : ''), { limit: PAGE, ...(token ? { token } : {}) });
    const scope = { projectId, repo, ref, base };
    const files: ArtifactLink[] = new Array<ArtifactLink>(page.objects.length);
    await runPool(page.objects.map((o, i) => [o, i] as const), SIGN_CONCURRENCY, async ([o, i]) => {
      files[i] = await linkFor(ctx, storage, scope, o);
    });
    return page.next ? { files, next: page.next } : { files };
  },
};
