import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../../main/backends/local/listing';

const bytes = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));

describe('compareKeys', () => {
  it('orders keys as their UTF-8 bytes, as S3 does, including characters beyond U+FFFF', () => {
    const keys = ['a', 'a/', 'a.b', 'a/x', 'B', 'é', '\uffff', '\ue000', '😀', '\ud7ff', 'a😀', 'a\uffee', '', 'ab', 'a;b', 'a,b'];
    for (const a of keys) for (const b of keys) expect([a, b, Math.sign(compareKeys(a, b))]).toEqual([a, b, bytes(a, b)]);
  });
});
