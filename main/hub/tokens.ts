/**
 * The hub's bearer tokens: 32 random bytes, base64url, prefixed `dsh_` so a
 * leaked one is recognisable (secret scanners, logs). Only a SHA-256 of a
 * token is stored; a token is found by its hash and then compared in
 * constant time, so neither the database nor response timing reveal one.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'dsh_';
const TOKEN_BYTES = 32;
/** Prefix plus base64url of 32 bytes (43 characters, no padding). */
const TOKEN_SHAPE = /^dsh_[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Whether a string can be a hub token at all; anything else is refused before any lookup. */
export function looksLikeToken(token: string): boolean {
  return TOKEN_SHAPE.test(token);
}

/** What the database keeps instead of the token: SHA-256, hex. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Whether a presented token matches a stored hash, compared in constant time. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const presented = Buffer.from(tokenHash(token), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}
