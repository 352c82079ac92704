/**
 * Parsing workflow files off the main thread, with a time limit per file.
 * Workflow files come with the repository, and opening an untrusted one is
 * enough to have them parsed; a file built to parse slowly must not freeze
 * the app's UI or the server's event loop. A loadWorkflows call whose files
 * are larger than {@link IN_THREAD_CHARS} starts one worker, sends it the
 * files one at a time, and terminates it when a file runs past the limit
 * (that file gets an issue; a new worker takes the rest). Smaller files parse
 * on the caller's thread: starting the worker would cost far more than they do.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ParsedFile } from './file';
import { parseFile } from './file';
import type { ParseReply, ParseRequest } from './parse-worker';

/** How long one file may take to parse. Real workflow files take milliseconds, even on a loaded machine. */
export const PARSE_TIME_LIMIT_MS = 10_000;

/**
 * Up to this many characters in one call (all files together) parse on the
 * caller's thread. A worker takes 0.1-0.3 s to start and load the parser,
 * which `dstack run` waited for on every run; a real workflow file is a few
 * hundred bytes and parses in about a millisecond. Parse time is at most
 * linear in the text (aliases are capped, file.ts, and the reader follows each
 * one at a fixed depth), and the worst file of this size found (100 aliases of
 * one big workflow, deep flow nesting, thousands of syntax errors) blocks for
 * tens of milliseconds on a loaded machine: never the freeze the worker is for.
 */
export const IN_THREAD_CHARS = 4 * 1024;

/** How long a worker may take to start (loading the parser), before any file's time counts. */
const START_LIMIT_MS = 60_000;

export interface ParseLimits {
  /** Per file; {@link PARSE_TIME_LIMIT_MS} when not given. */
  timeoutMs?: number;
}

/** What the worker loads: its entry module, and from source, tsx's API to register first. */
interface WorkerLoad {
  entry: string;
  tsx?: string;
}

/**
 * Built: `workflow-parser.js`, the build's entry for parse-worker.ts, beside
 * this chunk. From source (the CLI through tsx, tests): parse-worker.ts, with
 * tsx registered in the worker first, as main/cli/dstack.js does for the CLI.
 * Undefined when neither is there.
 */
function workerLoad(): WorkerLoad | undefined {
  // Paths from `here`, not `new URL('./x', import.meta.url)`: the bundler would take that for an asset to copy.
  const here = dirname(fileURLToPath(import.meta.url));
  const built = join(here, 'workflow-parser.js');
  if (existsSync(built)) return { entry: pathToFileURL(built).href };
  const source = join(here, 'parse-worker.ts');
  if (!existsSync(source)) return undefined;
  const tsx = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  return { entry: pathToFileURL(source).href, tsx: pathToFileURL(join(tsx, 'dist', 'esm', 'api', 'index.mjs')).href };
}

// Runs in the worker: an eval'd script can import ES modules by URL, so the same bootstrap serves the build and the sources.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) {
    const api = await import(workerData.tsx);
    api.register();
  }
  await import(workerData.entry);
})();
`;

function timeIssue(file: string, ms: number): ParsedFile {
  const limit = ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
  return {
    file, entries: [],
    issues: [{ file, line: 0, column: 0, field: '', message: `reading the file took longer than ${limit}, so it was stopped; make it smaller or simpler (fewer aliases and anchors).` }],
  };
}

function failIssue(file: string, why: string): ParsedFile {
  return { file, entries: [], issues: [{ file, line: 0, column: 0, field: '', message: `the file could not be read (${why}); check that it is a workflow file.` }] };
}

/** One worker, one file at a time. */
class ParserWorker {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private waiting: ((reply: ParseReply | Error) => void) | undefined;
  private next = 0;

  constructor(load: WorkerLoad) {
    this.worker = new Worker(BOOTSTRAP, { eval: true, workerData: load });
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the parser did not start within ${START_LIMIT_MS / 1000} s`)), START_LIMIT_MS);
      // The worker itself keeps the process alive while it is held; a spare (see startParser) must not.
      timer.unref();
      this.worker.on('message', (m: ParseReply) => {
        if ('ready' in m) {
          clearTimeout(timer);
          resolve();
        } else {
          this.waiting?.(m);
        }
      });
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err);
        this.waiting?.(err);
      };
      this.worker.on('error', fail);
      this.worker.on('exit', (code) => fail(new Error(`the parser stopped (exit code ${code})`)));
    });
    this.ready.catch(() => undefined);
  }

  /** Whether the worker keeps the process alive: not while it waits as a spare. */
  hold(keep: boolean): void {
    if (keep) this.worker.ref();
    else this.worker.unref();
  }

  /** The parsed file, or undefined when it ran past `ms` (the worker is then terminated). */
  async parse(file: string, text: string, ms: number): Promise<ParsedFile | undefined> {
    await this.ready;
    const req: ParseRequest = { id: this.next++, file, text };
    const reply = await new Promise<ParseReply | Error | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), ms);
      this.waiting = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.worker.postMessage(req);
    });
    this.waiting = undefined;
    if (reply === 'timeout') {
      await this.close();
      return undefined;
    }
    if (reply instanceof Error) return failIssue(file, reply.message);
    if ('error' in reply) return failIssue(file, reply.error);
    if ('parsed' in reply) return reply.parsed;
    return failIssue(file, 'no answer from the parser');
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}

/** A worker started ahead of the next parse by {@link startParser}. */
let spare: ParserWorker | undefined;

/**
 * Starts the parser's worker now, for the next {@link parseFilesOffThread}
 * to use: a new thread takes ~0.2 s to load the parser (more on a loaded
 * machine), which `dstack run` would otherwise wait for in the middle of its
 * submit; started first, it loads on the other core while the command loads
 * its backend and reads the project. An unused spare never keeps the process alive.
 */
export function startParser(): void {
  const load = workerLoad();
  if (!load || spare) return;
  spare = new ParserWorker(load);
  spare.hold(false);
}

function takeWorker(load: WorkerLoad): ParserWorker {
  const w = spare ?? new ParserWorker(load);
  spare = undefined;
  w.hold(true);
  return w;
}

/** Whether files of these sizes (characters, all together) need the worker; see {@link IN_THREAD_CHARS}. */
export function needsWorker(sizes: readonly number[]): boolean {
  return sizes.reduce((sum, n) => sum + n, 0) > IN_THREAD_CHARS;
}

/**
 * Parses each `{file, text}` in a worker thread, in order. A file that takes
 * longer than the limit becomes one issue naming it; the rest still parse.
 * Files small enough to parse quickly (see {@link IN_THREAD_CHARS}), or
 * without a worker entry to load (a build that predates it), parse here.
 */
export async function parseFilesOffThread(files: { file: string; text: string }[], limits: ParseLimits = {}): Promise<ParsedFile[]> {
  const ms = limits.timeoutMs ?? PARSE_TIME_LIMIT_MS;
  const load = workerLoad();
  if (!load || !needsWorker(files.map((f) => f.text.length))) return files.map((f) => parseFile(f.text, f.file));
  const out: ParsedFile[] = [];
  let worker: ParserWorker | undefined;
  try {
    for (const f of files) {
      worker ??= takeWorker(load);
      let parsed: ParsedFile | undefined;
      try {
        parsed = await worker.parse(f.file, f.text, ms);
      } catch (err) {
        await worker.close();
        worker = undefined;
        parsed = failIssue(f.file, err instanceof Error ? err.message : String(err));
      }
      if (!parsed) {
        worker = undefined;
        parsed = timeIssue(f.file, ms);
      }
      out.push(parsed);
    }
  } finally {
    await worker?.close();
  }
  return out;
}
