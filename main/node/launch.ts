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

/** The command line that starts `program` with the same runtime as this process. */
export function nodeCommand(program: Program): NodeCommand {
  const env: Record<string, string> = process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
  const bundled = join(here, `${program}.js`);
  if (existsSync(bundled)) return { command: process.execPath, args: [bundled], env };
  const source = join(sourceRoot, 'main', program, 'main.ts');
  return { command: process.execPath, args: ['--import', tsxLoader(), source], env };
}
