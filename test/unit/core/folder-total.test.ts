// Folder totals through the core on real local storage: a folder holding
// more keys than one listing page is counted in full.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ListOptions } from '../../../main/core/backend';
import { folderTotal } from '../../../main/core/artifacts';
import { keys } from '../../../main/core/keys';
import type { LocalStorage } from '../../../main/backends/local/storage';
import { REPO, tempStorage } from './fixtures';

const JOB = 'calm-owl-1,train,0';
let storage: LocalStorage;
let cleanup: () => Promise<void>;
let listCalls: string[];

beforeEach(async () => {
  ({ storage, cleanup } = await tempStorage());
  const list = storage.list.bind(storage);
  listCalls = [];
  storage.list = (prefix: string, opts?: ListOptions) => {
    listCalls.push(prefix);
    return list(prefix, opts);
  };
});
afterEach(() => cleanup());

async function put(path: string, bytes: number): Promise<void> {
  await storage.put(keys.artifact(REPO, JOB, path), Buffer.alloc(bytes, 1));
}

describe('folderTotal', () => {
  it('counts every file at any depth of a folder larger than a listing page', async () => {
    const many = Array.from({ length: 1200 }, (_, i) => `output/many/d${i % 5}/f${i}.txt`);
    for (let i = 0; i < many.length; i += 100) await Promise.all(many.slice(i, i + 100).map((p) => put(p, 3)));
    await put('output/many/top.bin', 1000);
    await put('output/many2/not-inside.bin', 7);
    await put('output/readme.md', 11);

    listCalls = [];
    expect(await folderTotal(storage, REPO, JOB, 'output/many')).toEqual({ files: 1201, bytes: 1200 * 3 + 1000 });
    expect(listCalls).toHaveLength(2);
    expect(await folderTotal(storage, REPO, JOB, 'output/many/d4')).toEqual({ files: 240, bytes: 240 * 3 });
    expect(await folderTotal(storage, REPO, JOB, 'output')).toEqual({ files: 1203, bytes: 1200 * 3 + 1000 + 7 + 11 });
    expect(await folderTotal(storage, REPO, JOB, 'nothing/here')).toEqual({ files: 0, bytes: 0 });
  });

  it('refuses a path that climbs out of the job', async () => {
    await expect(folderTotal(storage, REPO, JOB, 'output/../../other')).rejects.toThrow('may not contain ".."');
  });
});
