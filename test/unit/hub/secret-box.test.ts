// The hub's SecretBox: AES-256-GCM with the project as associated data, so
// a sealed value opens only with its key, unaltered, in its own row.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../../main/hub/secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('seals to v1: text that does not contain the secret, and opens it again', () => {
    const sealed = box.seal('{"secretAccessKey":"abc123-very-secret"}', 'project ml');
    expect(sealed).toMatch(/^v1:[A-Za-z0-9+/]+=*$/);
    expect(sealed).not.toContain('very-secret');
    expect(Buffer.from(sealed.slice(3), 'base64').toString('latin1')).not.toContain('very-secret');
    expect(box.open(sealed, 'project ml')).toBe('{"secretAccessKey":"abc123-very-secret"}');
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c'));
  });

  it('refuses another key, another row, and an altered value, naming what it could not decrypt', () => {
    const sealed = box.seal('x', 'project ml');
    const message = 'The hub cannot decrypt the stored secret of project ml: its key is not the one that encrypted it.';
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'project ml')).toThrow(message);
    expect(() => box.open(sealed, 'project other')).toThrow('stored secret of project other');
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => box.open(`v1:${raw.toString('base64')}`, 'project ml')).toThrow(message);
    expect(() => box.open('plain text', 'project ml')).toThrow(message);
  });

  it('takes only a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow('32 bytes, not 16');
  });
});
