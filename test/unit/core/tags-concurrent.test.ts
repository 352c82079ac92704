// Two clients tagging at once must not give one tag to two runs: the tag is
// claimed with a create-only write, so exactly one of them wins.
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { LocalStorage } from '../../../main/backends/local/storage';
import { TagStore } from '../../../main/core/tags';
import { REPO, tempStorage } from './fixtures';

let storage: LocalStorage;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ storage, cleanup } = await tempStorage());
});
afterEach(() => cleanup());

it('gives a tag to exactly one of ten runs tagging it at once', async () => {
  const tags = new TagStore(storage);
  const adds = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => tags.add(REPO, 'model', `calm-owl-${i + 1}`, `calm-owl-${i + 1},train,0`)));
  const won = adds.flatMap((r, i) => (r.status === 'fulfilled' ? [`calm-owl-${i + 1}`] : []));
  expect(won).toHaveLength(1);
  for (const r of adds) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/Tag model already names run|Tag model is already in use/);
  expect((await tags.list(REPO)).map((t) => [t.tag, t.runName])).toEqual([['model', won[0]]]);
});

it('frees the tag on delete, so it can name another run', async () => {
  const tags = new TagStore(storage);
  await tags.add(REPO, 'model', 'calm-owl-1', 'calm-owl-1,train,0');
  await expect(tags.add(REPO, 'model', 'calm-owl-2', 'calm-owl-2,train,0')).rejects.toThrow('Tag model already names run calm-owl-1.');
  await tags.delete(REPO, 'model');
  await tags.add(REPO, 'model', 'calm-owl-2', 'calm-owl-2,train,0');
  expect((await tags.list(REPO)).map((t) => t.runName)).toEqual(['calm-owl-2']);
});
