// The Range header of a download request against a file's size: one range
// served, a suffix, an open end clipped to the file, a start past the end
// refused (416), and anything else (several ranges, garbage, a reversed
// range, numbers past 2^53) the whole file, never an exception.
import { describe, expect, it } from 'vitest';
import { parseRange } from '../../../main/server/byte-range';

describe('parseRange', () => {
  it.each([
    ['bytes=0-99', 1000, { start: 0, end: 99 }],
    ['bytes=900-', 1000, { start: 900, end: 999 }],
    ['bytes=900-5000', 1000, { start: 900, end: 999 }],
    ['bytes=-100', 1000, { start: 900, end: 999 }],
    ['bytes=-5000', 1000, { start: 0, end: 999 }],
    [' bytes=1-1 ', 10, { start: 1, end: 1 }],
  ] as const)('%s of %i bytes is %o', (header, size, want) => {
    expect(parseRange(header, size)).toEqual(want);
  });

  it.each([
    ['bytes=1000-', 1000],
    ['bytes=1000-2000', 1000],
    ['bytes=-0', 1000],
    ['bytes=0-', 0],
    ['bytes=99999999999999999999999-', 1000],
  ])('%s of %i bytes is unsatisfiable', (header, size) => {
    expect(parseRange(header, size)).toBe('unsatisfiable');
  });

  it.each([undefined, '', 'bytes=', 'bytes=-', 'bytes=5-3', 'bytes=0-1,5-6', 'items=0-5', 'bytes=a-b', 'bytes=0x10-20'])('%o is the whole file', (header) => {
    expect(parseRange(header, 1000)).toBeUndefined();
  });
});
