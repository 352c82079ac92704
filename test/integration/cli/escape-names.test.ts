// Names a job chose, printed by the real `dstack ls`: terminal escapes,
// carriage returns, bells and bidi overrides come out as visible escapes,
// so a listing cannot recolour, rewrite or reverse what it shows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cli } from './cli';
import { helloProject, runNameIn } from './cli';

const WORKFLOWS = `
workflows:
  - name: odd-names
    provider: bash
    commands:
      - mkdir -p out
      - touch out/esc$'\\033'[31mred out/cr$'\\r'x out/bel$'\\a' out/rtl$'\\xe2\\x80\\xae'txt.exe
    artifacts:
      - path: out
`;

let cli: Cli;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cli, cleanup } = await helloProject(WORKFLOWS));
});
afterAll(() => cleanup());

describe('dstack ls', () => {
  it('prints artifact names with ESC, CR, BEL and U+202E escaped', async () => {
    const r = await cli.run(['run', 'odd-names']);
    expect(r.code, r.stderr).toBe(0);
    const out = await cli.ok(['ls', runNameIn(r.stderr)]);
    for (const line of out.trimEnd().split('\n')) expect(line).not.toMatch(/[\p{Cc}\u202e]/u);
    expect(out.trimEnd().split('\n').sort()).toEqual([
      'out/bel\\x07  0 B',
      'out/cr\\rx  0 B',
      'out/esc\\x1b[31mred  0 B',
      'out/rtl\\u202etxt.exe  0 B',
    ]);
  });
});
