/**
 * Byte-for-byte checks of what each tool moved, run after every round, so
 * a tool that wrote less (or wrong bytes) fails the bench instead of
 * looking fast. Uploads are checked in s3rver's own object files, which
 * hold exactly the bytes the server received and assembled.
 */
import { open, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

const PIECE = 8 * 1024 * 1024;

/** Throws unless `actual` holds exactly the bytes of `expected`, naming the first differing offset. */
export async function sameFile(expected: string, actual: string, what: string): Promise<void> {
  const a = await open(expected, 'r');
  const b = await open(actual, 'r').catch(() => {
    throw new Error(`${what}: ${actual} is missing.`);
  });
  try {
    const [sa, sb] = [(await a.stat()).size, (await b.stat()).size];
    if (sa !== sb) throw new Error(`${what}: ${actual} has ${sb} bytes, expected ${sa}.`);
    const ba = Buffer.allocUnsafe(PIECE);
    const bb = Buffer.allocUnsafe(PIECE);
    for (let pos = 0; pos < sa; pos += PIECE) {
      const len = Math.min(PIECE, sa - pos);
      await a.read(ba, 0, len, pos);
      await b.read(bb, 0, len, pos);
      if (ba.compare(bb, 0, len, 0, len) !== 0) throw new Error(`${what}: ${actual} differs from the source within bytes ${pos}–${pos + len}.`);
    }
  } finally {
    await a.close();
    await b.close();
  }
}

/** Every file under `dir`, relative, with `/` separators. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}

/**
 * Throws unless every source file arrived with the same bytes and nothing
 * else did. `actualPath` maps a relative name to where the copy lives;
 * `actualNames` are the names found at the destination.
 */
export async function sameTree(source: Map<string, Buffer>, actualNames: string[], actualPath: (rel: string) => string, what: string): Promise<void> {
  if (actualNames.length !== source.size) throw new Error(`${what}: ${actualNames.length} files arrived, expected ${source.size}.`);
  for (const rel of actualNames) {
    const want = source.get(rel);
    if (!want) throw new Error(`${what}: unexpected file ${rel}.`);
    const got = await readFile(actualPath(rel));
    if (!got.equals(want)) throw new Error(`${what}: ${rel} differs from the source (${got.length} bytes, expected ${want.length}).`);
  }
}
