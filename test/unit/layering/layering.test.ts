// The layering rules of main/ARCHITECTURE.md, as `npm run lint` checks them
// (test/dependency-cruiser.cjs): each forbidden import in a small made-up
// tree must be reported by name. The lint step checks the real tree.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise } from 'dependency-cruiser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..', '..');
const ruleSet = createRequire(import.meta.url)(join(root, 'test', 'dependency-cruiser.cjs')) as { forbidden: unknown[]; options: Record<string, unknown> };

interface Violation { rule: { name: string }; from: string; to: string }

async function violations(baseDir: string, dirs: string[]): Promise<Violation[]> {
  const { tsConfig: _ts, ...options } = ruleSet.options;
  const result = await cruise(dirs, { ...options, baseDir, validate: true, ruleSet: { forbidden: ruleSet.forbidden } } as never);
  const out = result.output as { summary: { violations: Violation[] } };
  return out.summary.violations;
}

let tree: string;
const files: Record<string, string> = {
  'main/common/a.ts': "import { b } from '../core/b';\nexport const a = b;\n",
  'main/core/b.ts': "import { c } from '../backends/local/c';\nexport const b = c;\n",
  'main/backends/local/c.ts': "import { d } from '../aws/d';\nexport const c = d;\n",
  'main/backends/aws/d.ts': 'export const d = 1;\n',
  'main/backends/index.ts': "export { c } from './local/c';\n",
  'main/service/e.ts': "import { d } from '../backends/aws/d';\nimport { c } from '../backends/index';\nexport const e = d + c;\n",
  'main/runner/f.ts': "import { e } from '../service/e';\nexport const f = e;\n",
  'main/cli/g.ts': "import { h } from '../electron-main/h';\nexport const g = h;\n",
  'main/electron-main/h.ts': 'export const h = 1;\n',
  'main/core/j.ts': "import { app } from 'electron';\nexport const j = app;\n",
  'renderer/src/i.ts': "import { b } from '../../main/core/b';\nexport const i = b;\n",
};

beforeAll(async () => {
  tree = await mkdtemp(join(tmpdir(), 'dstack-layering-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), text);
  }
});
afterAll(() => rm(tree, { recursive: true, force: true }));

describe('the layering lint rule', () => {
  it('reports each import that crosses a layer the wrong way, naming the rule', async () => {
    const found = (await violations(tree, ['main', 'renderer'])).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(found).toEqual([
      'backends-do-not-import-each-other: main/backends/local/c.ts → main/backends/aws/d.ts',
      'cli-never-imports-electron-main: main/cli/g.ts → main/electron-main/h.ts',
      'common-imports-only-common: main/common/a.ts → main/core/b.ts',
      'core-never-imports-backends: main/core/b.ts → main/backends/local/c.ts',
      'electron-only-in-adapters: main/core/j.ts → electron',
      'only-the-registry-picks-a-backend: main/service/e.ts → main/backends/aws/d.ts',
      'renderer-sees-only-the-contract: renderer/src/i.ts → main/core/b.ts',
      'runner-is-headless: main/runner/f.ts → main/service/e.ts',
    ]);
  });
});
