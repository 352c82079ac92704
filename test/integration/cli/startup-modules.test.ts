// What a command of the compiled CLI loads before it does anything: each
// command loads its own modules only, and the local backend never loads a
// cloud SDK. Every module load costs start-up time on every invocation, so
// these assert the cause of a slow start, not a time (timings: bench/startup.ts).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { helloProject, ROOT } from './cli';

const BIN = join(ROOT, 'main', 'cli', 'dstack.js');
const RECORDER = join(import.meta.dirname, 'module-log.mjs');

/** Packages only the cloud backends, the hub or the server use. */
const CLOUD_AND_SERVER = /^(@aws-sdk|@smithy|google-auth-library|undici|kysely|pg|better-sqlite3|ws)(\/|$)/;

interface Loaded {
  /** npm packages, by name, whether loaded from node_modules or from the build's vendor chunks. */
  packages: string[];
  /** Files of our own build (out/main) that were loaded. */
  chunks: string[];
  stdout: string;
  stderr: string;
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-startup-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the bin with `args` in `cwd` and returns what it loaded; the command must exit 0. */
async function loadedBy(args: string[], cwd: string, env: Record<string, string>): Promise<Loaded> {
  const log = join(dir, `${args.join('-').replace(/\W/g, '_')}.log`);
  const r = await promisify(execFile)(process.execPath, ['--import', RECORDER, BIN, ...args], {
    cwd,
    env: { ...process.env, ...env, DSTACK_TEST_MODULE_LOG: log },
    // Below the test's own time limit, so a hung command fails with its output rather than a bare timeout.
    timeout: 80_000,
  }).catch((err: { code?: number; stderr?: string }) => {
    throw new Error(`dstack ${args.join(' ')} exited ${err.code}: ${err.stderr}`);
  });
  const urls = [...new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean))];
  const packages = new Set<string>();
  for (const u of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
    if (m?.[1]) packages.add(m[1]);
  }
  const out = `${new URL(`file://${join(ROOT, 'out', 'main')}/`).href}`;
  const chunks = urls.filter((u) => u.startsWith(out)).map((u) => u.slice(out.length));
  // A package the build bundles is its own chunk, vendor-<package>-<hash>.js (main/electron.vite.config.ts).
  for (const c of chunks) {
    const m = /^vendor-(.+)-[\w-]{8}\.js$/.exec(c);
    if (m?.[1]) packages.add(m[1].replace('+', '/'));
  }
  return { packages: [...packages].sort(), chunks, stdout: r.stdout, stderr: r.stderr };
}

/** The chunks among `chunks` that define class `name` (the build keeps class names, as `class X` or `var X = class`). */
async function defines(chunks: string[], name: string): Promise<string[]> {
  const definition = new RegExp(`\\bclass ${name}\\b|\\b${name} = class\\b`);
  const found: string[] = [];
  for (const c of chunks) if (definition.test(await readFile(join(ROOT, 'out', 'main', c), 'utf8'))) found.push(c);
  return found;
}

describe('what the compiled CLI loads at start', () => {
  it('`dstack --help` loads no package but commander, and no backend', async () => {
    const loaded = await loadedBy(['--help'], dir, { DSTACK_HOME: join(dir, 'home') });
    expect(loaded.stdout).toContain('Usage: dstack');
    expect(loaded.stdout).toMatch(/^ {2}server /m);
    expect(loaded.packages).toEqual(['commander']);
    expect(await defines(loaded.chunks, 'LocalCompute')).toEqual([]);
    expect(await defines(loaded.chunks, 'RunService')).toEqual([]);
  });

  it('`dstack ps` on the local backend loads no cloud SDK, server library, YAML parser, tar, or zod (no record to read)', async () => {
    const { cli, cleanup } = await helloProject('workflows:\n  - name: quick\n    provider: bash\n    commands:\n      - echo hi\n');
    try {
      const loaded = await loadedBy(['ps'], cli.cwd, cli.env);
      expect(loaded.stderr).toBe('');
      expect(loaded.packages.filter((p) => CLOUD_AND_SERVER.test(p) || ['yaml', 'tar', 'zod'].includes(p))).toEqual([]);
      expect(await defines(loaded.chunks, 'LocalCompute')).not.toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('`dstack run` on the local backend loads no cloud SDK or server library', async () => {
    const { cli, cleanup } = await helloProject('workflows:\n  - name: quick\n    provider: bash\n    commands:\n      - echo hi\n');
    try {
      const loaded = await loadedBy(['run', 'quick'], cli.cwd, cli.env);
      expect(loaded.stdout).toBe('hi\n');
      expect(loaded.packages.filter((p) => CLOUD_AND_SERVER.test(p))).toEqual([]);
    } finally {
      await cleanup();
    }
  });

  it('`dstack run` of a project with small workflow files starts no parser thread', async () => {
    const { cli, cleanup } = await helloProject('workflows:\n  - name: quick\n    provider: bash\n    commands:\n      - echo hi\n');
    try {
      // Node's own debug log says when a worker thread is created (its first line names the worker's script).
      const r = await promisify(execFile)(process.execPath, [BIN, 'run', 'quick'], {
        cwd: cli.cwd,
        env: { ...process.env, ...cli.env, NODE_DEBUG: 'worker' },
        timeout: 80_000,
      });
      expect(r.stdout).toBe('hi\n');
      expect(r.stderr).toContain('Run ');
      expect(r.stderr.split('\n').filter((l) => /create new worker/.test(l))).toEqual([]);
    } finally {
      await cleanup();
    }
  });
});
