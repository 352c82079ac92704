import { describe, expect, it } from 'vitest';
import { parseMemory } from '../../../main/core/workflow';

describe('parseMemory', () => {
  it('reads decimal and binary units alike, in any case, as MiB', () => {
    const cases: [string, number][] = [
      ['8GB', 8192], ['8gb', 8192], ['8GiB', 8192], ['8 G', 8192], ['8g', 8192],
      ['512MB', 512], ['512mib', 512], ['512M', 512],
      ['1TB', 1048576], ['1tib', 1048576],
      ['1.5GB', 1536], ['0.5gb', 512], ['.5GB', 512],
      ['1024KB', 1], ['1536KiB', 2], ['1048576B', 1], ['1b', 1],
    ];
    for (const [text, mib] of cases) expect(parseMemory(text), text).toBe(mib);
  });

  it('takes a number as MiB already', () => {
    expect(parseMemory(2048)).toBe(2048);
    expect(parseMemory(0.5)).toBe(1);
  });

  it('refuses anything without a known unit', () => {
    for (const bad of ['8', '8 gigs', 'GB', '-1GB', '8PB', '8 G B', '1e3MB', '', 'lots']) expect(parseMemory(bad), bad).toBeUndefined();
    expect(parseMemory(-1)).toBeUndefined();
    expect(parseMemory(Number.NaN)).toBeUndefined();
  });
});
