// Hub tokens: 32 random bytes, base64url, `dsh_`; matched by their SHA-256.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { looksLikeToken, newToken, tokenHash, tokenMatches } from '../../../main/hub/tokens';

describe('hub tokens', () => {
  it('are dsh_ plus 43 base64url characters (32 bytes), never the same twice', () => {
    const tokens = new Set(Array.from({ length: 200 }, newToken));
    expect(tokens.size).toBe(200);
    for (const t of tokens) {
      expect(t).toMatch(/^dsh_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(t.slice(4), 'base64url')).toHaveLength(32);
      expect(looksLikeToken(t)).toBe(true);
    }
    expect(looksLikeToken('dsh_short')).toBe(false);
    expect(looksLikeToken(`xyz_${'A'.repeat(43)}`)).toBe(false);
  });

  it('are stored as their SHA-256 and matched against it only', () => {
    const t = newToken();
    expect(tokenHash(t)).toBe(createHash('sha256').update(t).digest('hex'));
    expect(tokenMatches(t, tokenHash(t))).toBe(true);
    expect(tokenMatches(newToken(), tokenHash(t))).toBe(false);
    expect(tokenMatches(t, 'abcd')).toBe(false);
  });
});
