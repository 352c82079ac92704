// Whole folders through the core, on real local storage and files: many
// files move at once, progress adds up across them, a file already complete
// is kept, and one failure stops the folder with that file's error.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../main/backends/local/storage';
import type { DownloadFileOptions, TransferProgress } from '../../../main/core/backend';
import { downloadTree, uploadTree } from '../../../main/core/tree-transfer';
import { FolderJournal } from '../../../main/core/folder-journal';
import { uploadItemsOf } from '../../helpers/tree-items';

let dir: string;
let storage: LocalStorage;
let inFlight = 0;
let peak = 0;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-tree-'));
  storage = new LocalStorage(join(dir, 'storage'));
  inFlight = 0;
  peak = 0;
  // Counts the files in flight, each held for a moment as a network transfer would be.
  const download = storage.downloadFile.bind(storage);
  storage.downloadFile = async (key: string, local: string, opts?: DownloadFileOptions) => {
    peak = Math.max(peak, ++inFlight);
    try {
      await new Promise((r) => setTimeout(r, 5));
      await download(key, local, opts);
    } finally {
      inFlight--;
    }
  };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function makeFolder(count: number): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const rel = `d${i % 4}/f${i}.txt`;
    await mkdir(join(dir, 'src', `d${i % 4}`), { recursive: true });
    await writeFile(join(dir, 'src', rel), `file ${i}`.repeat(i + 1));
    files.set(rel, `file ${i}`.repeat(i + 1));
  }
  return files;
}

describe('folder transfers', () => {
  it('moves many files at once, with one progress figure that ends at the total', async () => {
    const files = await makeFolder(40);
    const total = [...files.values()].reduce((n, s) => n + s.length, 0);
    const up: TransferProgress[] = [];
    expect(await uploadTree(storage, await uploadItemsOf(join(dir, 'src'), 'art/'), { onProgress: (p) => up.push(p) })).toEqual({ files: 40, bytes: total });
    expect(up.at(-1)).toEqual({ bytes: total, total });

    const down: TransferProgress[] = [];
    const res = await downloadTree(storage, 'art/', join(dir, 'out'), { concurrency: 8, total, onProgress: (p) => down.push(p) });
    expect(res).toEqual({ files: 40, bytes: total });
    expect(peak).toBe(8);
    expect(down.every((p) => p.total === total && p.bytes <= total)).toBe(true);
    expect(down.at(-1)).toEqual({ bytes: total, total });
    for (const [rel, text] of files) expect(await readFile(join(dir, 'out', rel), 'utf8')).toBe(text);
  });

  it('keeps a file an earlier copy finished, unchanged, instead of fetching it again, when asked', async () => {
    await makeFolder(6);
    await uploadTree(storage, await uploadItemsOf(join(dir, 'src'), 'art/'));
    const out = join(dir, 'out');
    await mkdir(out);
    await downloadTree(storage, 'art/', out, { keep: await FolderJournal.open(join(dir, 'home'), out, true) });
    await rm(join(out, 'd1', 'f1.txt'));
    // Same size, other bytes: a kept file is the one we wrote, not one of the right size.
    const f2 = join(out, 'd2', 'f2.txt');
    await writeFile(f2, Buffer.alloc((await stat(f2)).size));
    const fetched: string[] = [];
    const download = storage.downloadFile;
    storage.downloadFile = (key, local, opts) => (fetched.push(key), download(key, local, opts));
    await downloadTree(storage, 'art/', out, { keep: await FolderJournal.open(join(dir, 'home'), out, false) });
    expect(fetched.sort()).toEqual(['art/d1/f1.txt', 'art/d2/f2.txt']);
    expect(await readFile(f2)).toEqual(await readFile(join(dir, 'src', 'd2', 'f2.txt')));
  });

  it('stops the folder at the first failure, with that file\'s error', async () => {
    await makeFolder(30);
    await uploadTree(storage, await uploadItemsOf(join(dir, 'src'), 'art/'));
    // A file where a folder must go: the copy cannot create d2/.
    await mkdir(join(dir, 'out'), { recursive: true });
    await writeFile(join(dir, 'out', 'd2'), 'in the way');
    const err = await downloadTree(storage, 'art/', join(dir, 'out'), { concurrency: 4 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: expect.stringMatching(/^E(EXIST|NOTDIR)$/) });
  });
});
