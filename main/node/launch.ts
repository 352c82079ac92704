/**
 * How to start one of our own Node programs (the runner, the CLI) as a child
 * process, from any of the three ways the code can be running:
 * - bundled by electron-vite into `out/main/`, inside Electron: the Electron
 *   binary runs it with ELECTRON_RUN_AS_NODE (so the RunAsNode fuse stays on);
 * - bundled, under plain Node;
 * - from source, under Node with tsx (the CLI after `npm ci`, and tests).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type Program = 'runner' | 'cli';

export interface NodeCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root when running from source: this file is `main/node/launch.ts`. */
export const sourceRoot = resolve(here, '..', '..');

function tsxLoader(): string {
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  return pathToFileURL(join(dirname(pkg), 'dist', 'loader.mjs')).href;
}

/**
 * Each program's entry module: loading it starts the program. The runner's
 * is not `main.ts`, so code that imports the runner never starts one.
 */
export const entrySources: Record<Program, string> = {
  runner: join(sourceRoot, 'main', 'runner', 'entry.ts'),
  cli: join(sourceRoot, 'main', 'cli', 'main.ts'),
};

/** The command line that starts `program` with the same runtime as this process. */
export function nodeCommand(program: Program): NodeCommand {
  const env: Record<string, string> = process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
  const bundled = join(here, `${program}.js`);
  if (existsSync(bundled)) return { command: process.execPath, args: [bundled], env };
  return { command: process.execPath, args: ['--import', tsxLoader(), entrySources[program]], env };
}

/**
 * The single-file runner for EC2 (`runner.mjs`) that the build writes beside
 * this bundle; undefined when running from source, where it is built on
 * demand (see runner-bundle.ts).
 */
export function builtRunnerBundle(): string | undefined {
  const path = join(here, 'runner.mjs');
  return existsSync(path) ? path : undefined;
}
