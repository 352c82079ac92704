// The CLI's listing table: names from runs and tags are printed escaped, and
// a listing longer than Math.max takes arguments still lines up.
import { describe, expect, it } from 'vitest';
import { table } from '../../../main/cli/output';

describe('table', () => {
  it('escapes terminal controls and bidi overrides in every cell', () => {
    expect(table(['RUN', 'TAG'], [['evil\x1b]0;pwned\x07', 'v1\u202egpj.exe'], ['ok', 'x\ry']])).toBe(
      ['RUN                   TAG', 'evil\\x1b]0;pwned\\x07  v1\\u202egpj.exe', 'ok                    x\\ry'].join('\n'),
    );
  });

  it('lays out 200,000 rows', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => [`run-${i}`, 'done']);
    const lines = table(['RUN', 'STATUS'], rows).split('\n');
    expect(lines).toHaveLength(200_001);
    expect(lines[0]).toBe('RUN         STATUS');
    expect(lines[200_000]).toBe('run-199999  done');
  });
});
