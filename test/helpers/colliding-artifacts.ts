/**
 * An artifact folder whose names collide with every name a download might
 * use for its own partial files: `p1` beside `p1.part`, `p1.part.part`,
 * `p1.part.json`, a `.dstack-staging-…` folder, a `.partial` folder. A copy
 * of it must come out byte for byte, every file present.
 */
import { randomBytes } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Names in each group folder; `p1` is the largest, so a `.part` beside it looks like a resumable prefix. */
const NAMES: [string, number][] = [
  ['p1', 300_000],
  ['p1.part', 100_000],
  ['p1.part.part', 50_000],
  ['p1.part.json', 2_000],
  ['p1.part.json.tmp', 1_000],
  ['p1.partial/inner', 3_000],
  ['.dstack-staging-abc123/x', 4_000],
  ['.dstack-move-1-x', 5_000],
];

/** The tree's files by relative path, in `groups` folders (more groups, more chances for a race to show). */
export function collidingTree(groups = 20): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let g = 0; g < groups; g++) for (const [name, size] of NAMES) files.set(`g${g}/${name}`, randomBytes(size + g));
  return files;
}

/** Every regular file under `dir`, by `/`-separated relative path. */
export async function readTree(dir: string, rel = ''): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const name of await readdir(join(dir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    const info = await lstat(join(dir, r));
    if (info.isDirectory()) for (const [k, v] of await readTree(dir, r)) out.set(k, v);
    else out.set(r, info.isFile() ? await readFile(join(dir, r)) : Buffer.from(`<not a regular file: mode ${info.mode.toString(8)}>`));
  }
  return out;
}

/** The paths that are missing, extra, or differ, for a readable failure. */
export function treeDifferences(want: Map<string, Buffer>, got: Map<string, Buffer>): string[] {
  const out: string[] = [];
  for (const [k, v] of want) {
    const g = got.get(k);
    if (!g) out.push(`missing ${k}`);
    else if (!g.equals(v)) out.push(`wrong bytes in ${k} (${g.length} bytes, want ${v.length})`);
  }
  for (const k of got.keys()) if (!want.has(k)) out.push(`extra ${k}`);
  return out.sort();
}
