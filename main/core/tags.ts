/**
 * Tags: a name for one run's artifacts, so a workflow can depend on "the
 * model we shipped" instead of a run name. A tag is one head key holding the
 * run and job it names, so listing tags is one paginated listing.
 */
import { InvalidArgumentError, NotFoundError } from '../common/errors';
import type { Storage } from './backend';
import { PreconditionFailedError } from './backend';
import { ConflictError } from './errors';
import type { TagHead } from './keys';
import { keys, parseTagHead } from './keys';
import { listAll } from './pages';

const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function assertTagName(tag: string): void {
  if (!TAG.test(tag)) {
    throw new InvalidArgumentError(
      `Invalid tag name "${tag}".`,
      'Use letters, digits, dot, dash and underscore, starting with a letter or digit.',
    );
  }
}

export class TagStore {
  constructor(private readonly storage: Storage) {}

  async list(repo: string): Promise<TagHead[]> {
    const out: TagHead[] = [];
    for await (const o of listAll(this.storage, keys.tagHeadPrefix(repo))) {
      const t = parseTagHead(o.key);
      if (t) out.push(t);
    }
    return out.sort((a, b) => a.tag.localeCompare(b.tag));
  }

  async find(repo: string, tag: string): Promise<TagHead | undefined> {
    for await (const o of listAll(this.storage, `${keys.tagHeadPrefix(repo)}${tag};`)) {
      const t = parseTagHead(o.key);
      if (t?.tag === tag) return t;
    }
    return undefined;
  }

  async require(repo: string, tag: string): Promise<TagHead> {
    const t = await this.find(repo, tag);
    if (!t) throw new NotFoundError(`Tag ${tag} does not exist.`, 'See `dstack tags list`.');
    return t;
  }

  /**
   * Names a run's artifacts; a tag already in use is a conflict, never
   * silently moved. The tag is claimed with a create-only write before its
   * head is written, so of two clients tagging at once exactly one wins.
   */
  async add(repo: string, tag: string, runName: string, jobId: string): Promise<void> {
    assertTagName(tag);
    const seen = await this.find(repo, tag);
    if (seen) {
      throw new ConflictError(`Tag ${tag} already names run ${seen.runName}.`, `Delete it first: dstack tags delete ${tag}`);
    }
    try {
      await this.storage.put(keys.tagClaim(repo, tag), jobId, { ifNoneMatch: '*' });
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
      throw new ConflictError(`Tag ${tag} is already in use.`, `Pick another name, or delete it first: dstack tags delete ${tag}`);
    }
    await this.storage.put(keys.tagHead(repo, tag, runName, jobId), '');
  }

  /** Deletes the tag; a claim left without a head by a crashed `add` goes too, so the name is free again. */
  async delete(repo: string, tag: string): Promise<void> {
    const t = await this.find(repo, tag);
    if (!t && !(await this.storage.head(keys.tagClaim(repo, tag)))) await this.require(repo, tag);
    await this.storage.delete([...(t ? [t.key] : []), keys.tagClaim(repo, tag)]);
  }
}
