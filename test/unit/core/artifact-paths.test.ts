// Where a downloaded artifact lands: never outside the folder it is copied into.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localPathUnder } from '../../../main/core/tree-transfer';

describe('localPathUnder', () => {
  it('maps a key path below the copied folder into the target folder', () => {
    expect(localPathUnder('/dl/out', 'sub/deep/c.bin')).toBe(join('/dl/out', 'sub', 'deep', 'c.bin'));
  });

  it('refuses key paths that would land elsewhere or nowhere', () => {
    for (const rel of ['../../.bashrc', 'a/../../x', 'a//b', './x', 'a\\..\\b', '']) {
      expect(() => localPathUnder('/dl/out', rel)).toThrow(`The artifact path "${rel}" does not map to a safe local path.`);
    }
  });
});
