/**
 * How to start one of our own Node programs (the runner, the CLI) as a child
 * process, from any of the three ways the code can be running:
 * - inside Electron (packaged, or `electron <app>` in development): the app's
 *   own binary with `--dstack-runner` / `--dstack-cli`, which the Electron
 *   main entry dispatches to the program before it creates any window (see
 *   electron-main/app.ts), never with ELECTRON_RUN_AS_NODE set: the packaged app
 *   burns the RunAsNode fuse off, so no other process can run code as it;
 * - bundled by electron-vite into `out/main/`, under plain Node;
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

/** The argument that makes the app's binary run `program` instead of the app. */
export const programFlags: Record<Program, string> = {
  runner: '--dstack-runner',
  cli: '--dstack-cli',
};

/**
 * The program an Electron main process was started to run, and its own
 * arguments: the flag is the first argument (after the app path when the
 * Electron binary runs an unpackaged app, `process.defaultApp`).
 */
export function programOf(argv: readonly string[], defaultApp = Boolean(process.defaultApp)): { program: Program; args: string[] } | undefined {
  const at = defaultApp ? 2 : 1;
  const flag = argv[at];
  const program = (Object.keys(programFlags) as Program[]).find((p) => programFlags[p] === flag);
  return program ? { program, args: argv.slice(at + 1) } : undefined;
}

/** What {@link nodeCommand} needs to know about this process; tests pass their own. */
export interface Runtime {
  /** Running in Electron's main process. */
  electron: boolean;
  /** Electron runs an unpackaged app given on its command line (`electron <app>`). */
  defaultApp: boolean;
  execPath: string;
  argv: readonly string[];
}

function thisRuntime(): Runtime {
  return { electron: Boolean(process.versions.electron), defaultApp: Boolean(process.defaultApp), execPath: process.execPath, argv: process.argv };
}

/** The command line that starts `program` with the same runtime as this process. */
export function nodeCommand(program: Program, rt: Runtime = thisRuntime()): NodeCommand {
  if (rt.electron) {
    // Unpackaged, the binary is Electron itself and needs the app's folder first, made absolute for the child.
    const app = rt.defaultApp && rt.argv[1] ? [resolve(rt.argv[1])] : [];
    return { command: rt.execPath, args: [...app, programFlags[program]], env: {} };
  }
  const bundled = join(here, `${program}.js`);
  if (existsSync(bundled)) return { command: rt.execPath, args: [bundled], env: {} };
  return { command: rt.execPath, args: ['--import', tsxLoader(), entrySources[program]], env: {} };
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
