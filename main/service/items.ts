/**
 * Artifact item ids. The renderer names an artifact only by an opaque id,
 * never by a storage key or a local path, so a compromised page cannot point
 * a download or a drag at anything we did not list to it. An id is a hash
 * of where the item lives, so listing the same folder twice gives the same
 * ids (the UI keeps its selection); the record behind it stays in main.
 */
import { createHash } from 'node:crypto';
import { NotFoundError } from '../common/errors';

export interface ArtifactItem {
  id: string;
  projectId: string;
  repo: string;
  /** A run name, or `:TAG`, as core's RunService takes it. */
  ref: string;
  /** Path within the job's artifacts, `/`-separated, without a trailing slash. */
  path: string;
  name: string;
  isDir: boolean;
  size: number;
}

/** Enough for any tree a person browses in one session; the oldest ids are forgotten first. */
const MAX_ITEMS = 200_000;

export class ItemRegistry {
  private readonly items = new Map<string, ArtifactItem>();

  /** Records an item and returns it with its id. */
  add(item: Omit<ArtifactItem, 'id'>): ArtifactItem {
    const id = createHash('sha256')
      .update(`${item.projectId}\0${item.ref}\0${item.path}\0${item.isDir ? 'd' : 'f'}`)
      .digest('base64url')
      .slice(0, 24);
    const full = { ...item, id };
    this.items.delete(id);
    this.items.set(id, full);
    if (this.items.size > MAX_ITEMS) {
      const oldest = this.items.keys().next().value;
      if (oldest !== undefined) this.items.delete(oldest);
    }
    return full;
  }

  get(id: string): ArtifactItem {
    const item = this.items.get(id);
    if (!item) throw new NotFoundError('This artifact is no longer listed.', 'Refresh the artifact list and try again.');
    return item;
  }
}
