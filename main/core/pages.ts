/**
 * Paginated listing, written once. Storage pages hold at most 1,000 keys, as
 * in S3, so every caller that needs "all keys under a prefix" goes through
 * here instead of trusting the first page.
 */
import type { ListOptions, ObjectInfo, Storage } from './backend';

/** Every object under `prefix`, page by page; `opts` as for one page (keys only, a delimiter). */
export async function* listAll(storage: Pick<Storage, 'list'>, prefix: string, opts: Pick<ListOptions, 'keysOnly' | 'delimiter'> = {}): AsyncGenerator<ObjectInfo> {
  for await (const objects of listPages(storage, prefix, opts)) yield* objects;
}

/** The same, a page's objects at a time: for loops over 10,000s of keys, where a step per key would cost more than the work. */
export async function* listPages(storage: Pick<Storage, 'list'>, prefix: string, opts: Pick<ListOptions, 'keysOnly' | 'delimiter'> = {}): AsyncGenerator<ObjectInfo[]> {
  let token: string | undefined;
  do {
    const page = await storage.list(prefix, { ...opts, token, limit: 1000 });
    yield page.objects;
    token = page.next;
  } while (token);
}

/** Deletes every object under `prefix`, 1,000 keys per call. */
export async function deleteAll(storage: Storage, prefix: string): Promise<number> {
  let batch: string[] = [];
  let count = 0;
  for await (const o of listAll(storage, prefix)) {
    batch.push(o.key);
    if (batch.length === 1000) {
      await storage.delete(batch);
      count += batch.length;
      batch = [];
    }
  }
  if (batch.length) await storage.delete(batch);
  return count + batch.length;
}
