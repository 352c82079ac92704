import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../main/core/crc32c';
import { crc32cValue } from '../../helpers/gcs-standin';

describe('CRC-32C, as Cloud Storage and Secret Manager keep it', () => {
  it('gives the standard check value', () => {
    // The CRC-32C check value of "123456789" (RFC 3720, B.4).
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.from(''))).toBe(0);
  });

  it('continues across chunks and agrees with a bit-by-bit reference', () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
    const whole = crc32c(data);
    expect(crc32c(data.subarray(1234), crc32c(data.subarray(0, 1234)))).toBe(whole);
    expect(whole).toBe(crc32cValue(data));
  });
});
