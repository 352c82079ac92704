import { describe, expect, it } from 'vitest';
import { crc32c, crc32cBase64 } from '../../../main/backends/gcp/crc32c';
import { crc32cSlow } from '../../helpers/gcs-standin';

describe('CRC-32C, as Cloud Storage and Secret Manager keep it', () => {
  it('gives the standard check value and the base64 form Cloud Storage writes', () => {
    // The CRC-32C check value of "123456789" (RFC 3720, B.4).
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cBase64(crc32c(Buffer.from('')))).toBe('AAAAAA==');
  });

  it('continues across chunks and agrees with a bit-by-bit reference', () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
    const whole = crc32c(data);
    expect(crc32c(data.subarray(1234), crc32c(data.subarray(0, 1234)))).toBe(whole);
    expect(crc32cBase64(whole)).toBe(crc32cSlow(data));
  });
});
