// The bench's figures: paired ratios (median and worst round, not each side's
// best), byte-for-byte checks that catch a wrong or missing output, and
// whole-process peak RSS. Real files and real processes throughout.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { measure } from '../../../bench/proc';
import { markdownTable, pairedRow } from '../../../bench/table';
import { sameFile, sameTree } from '../../../bench/verify';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bench-figures-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('paired rows', () => {
  it('takes the ratio within each round, so one lucky round of either side cannot decide it', () => {
    // Best-of-three would say 2 s vs 1 s (ratio 0.5); paired rounds say we were faster in two of three.
    const row = pairedRow('download', 'rclone', [3, 3, 3], [4, 4, 1], (s) => `${s} s`);
    expect(row.ratios.map((r) => r.toFixed(3))).toEqual(['1.333', '1.333', '0.333']);
    const table = markdownTable([row]);
    expect(table).toContain('| download | 3 s | rclone 4 s | 1.33, 0.33 (×3; ours faster at the median) | – |');
  });
});

describe('byte-for-byte checks', () => {
  it('names the range where one byte differs, and a short file', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const body = Buffer.alloc(9 * 1024 * 1024, 7);
    await writeFile(a, body);
    body[8 * 1024 * 1024 + 5] = 8;
    await writeFile(b, body);
    await expect(sameFile(a, b, 'ours download')).rejects.toThrow(/ours download: .*b differs from the source within bytes 8388608–9437184/);
    await writeFile(b, body.subarray(0, 10));
    await expect(sameFile(a, b, 'ours download')).rejects.toThrow(/has 10 bytes, expected 9437184/);
    await writeFile(b, Buffer.alloc(9 * 1024 * 1024, 7));
    await expect(sameFile(a, b, 'ours download')).resolves.toBeUndefined();
  });

  it('refuses a folder with a file missing, extra or changed', async () => {
    const source = new Map([['d/x', Buffer.from('x')], ['y', Buffer.from('y')]]);
    await writeFile(join(dir, 'x'), 'x');
    await writeFile(join(dir, 'y'), 'Y');
    const at = (rel: string) => join(dir, rel === 'd/x' ? 'x' : rel);
    await expect(sameTree(source, ['d/x'], at, 'rclone upload')).rejects.toThrow('rclone upload: 1 files arrived, expected 2.');
    await expect(sameTree(source, ['d/x', 'z'], at, 'rclone upload')).rejects.toThrow('rclone upload: unexpected file z.');
    await expect(sameTree(source, ['d/x', 'y'], at, 'rclone upload')).rejects.toThrow('rclone upload: y differs from the source');
  });
});

describe('whole-process measurement', () => {
  it('reports the peak RSS of a process that holds 200 MB, and fails a process that fails', async () => {
    const m = await measure(process.execPath, ['-e', 'const b = Buffer.alloc(200e6, 1); console.log(b[0])']);
    expect(m.stdout.trim()).toBe('1');
    expect(m.peakRssMB).toBeGreaterThan(200);
    await expect(measure(process.execPath, ['-e', 'console.error("no such bucket"); process.exit(3)'])).rejects.toThrow(/exited 3: no such bucket/);
  });
});
