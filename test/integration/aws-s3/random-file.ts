/** Large random test files, written in pieces so the test itself never holds them in memory. */
import { randomFillSync } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Writes `size` random bytes to `path` in 4 MiB pieces. */
export async function writeRandomFile(path: string, size: number): Promise<void> {
  const fh = await open(path, 'w');
  const piece = Buffer.allocUnsafe(4 * 1024 * 1024);
  try {
    for (let pos = 0; pos < size; pos += piece.length) {
      const len = Math.min(piece.length, size - pos);
      await fh.write(randomFillSync(piece, 0, len), 0, len, pos);
    }
  } finally {
    await fh.close();
  }
}
