// The `dstack` bin as users get it after `npm install`: it runs the compiled
// CLI from out/main (no TypeScript compiler at run time), says the one command
// to run when nothing is built, and mentions the Node version once, in
// --version, instead of an AWS SDK warning on every command.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli';

const BIN = join(ROOT, 'main', 'cli', 'dstack.js');

describe('the dstack bin', () => {
  it('runs the compiled CLI, whose code imports neither tsx nor esbuild', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', env: { ...process.env, DSTACK_HOME: mkdtempSync(join(tmpdir(), 'dstack-bin-')) } });
    expect(r.status, r.stderr).toBe(0);
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(r.stdout.split('\n')[0]).toBe(version);
    if (Number(process.versions.node.split('.')[0]) < 22) expect(r.stdout).toContain('AWS SDK releases after January 2027 need Node 22');
    expect(r.stderr).toBe('');
    const out = join(ROOT, 'out', 'main');
    const staticImports = readdirSync(out)
      .filter((f) => f.endsWith('.js'))
      .flatMap((f) => [...readFileSync(join(out, f), 'utf8').matchAll(/^import[^;]*from\s*["'](tsx|esbuild)[^"']*["']/gm)].map((m) => `${f}: ${m[0]}`));
    expect(staticImports).toEqual([]);
  });

  it('says the one command to run when the CLI is not built', () => {
    const copy = mkdtempSync(join(tmpdir(), 'dstack-unbuilt-'));
    cpSync(BIN, join(copy, 'main', 'cli', 'dstack.js'));
    const r = spawnSync(process.execPath, [join(copy, 'main', 'cli', 'dstack.js'), 'ps'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`dstack is not built yet. Run \`npm run build\` in ${copy}/ (npm install runs it for you).\n`);
  });
});
