/**
 * Finding and reading a project's workflow files. Nothing here throws: a
 * missing folder, an unreadable file or no files at all become issues like
 * any other, so the CLI and the UI show them the same way.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ParsedFile } from './file';
import type { ParseLimits } from './parse-off-thread';
import { needsWorker, parseFilesOffThread, startParser } from './parse-off-thread';
import type { WorkflowSet } from './types';
import { combineFiles } from './workflow-set';

const SINGLE_FILES = ['.dstack/workflows.yaml', '.dstack/workflows.yml'];
const FOLDER = '.dstack/workflows';
const YAML_EXT = /\.ya?ml$/i;

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** Workflow files relative to the project, with forward slashes: the single file first, then the folder by name. */
export async function findWorkflowFiles(projectDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const f of SINGLE_FILES) if (await isFile(path.join(projectDir, f))) found.push(f);
  let names: string[] = [];
  try {
    names = (await readdir(path.join(projectDir, FOLDER))).filter((n) => YAML_EXT.test(n)).sort();
  } catch {
    names = [];
  }
  for (const n of names) if (await isFile(path.join(projectDir, FOLDER, n))) found.push(`${FOLDER}/${n}`);
  return found;
}

/**
 * Starts the parser's thread ahead of a {@link loadWorkflows} of `projectDir`
 * (see startParser), but only when its files are too large to parse on the
 * caller's thread: for the usual small files, a thread nobody uses would only
 * take CPU from the command's own start. Sizes are bytes, at least the characters counted later.
 */
export async function startParserFor(projectDir: string): Promise<void> {
  const dir = path.resolve(projectDir);
  const files = await findWorkflowFiles(dir);
  const sizes = await Promise.all(files.map((f) => stat(path.join(dir, f)).then((s) => s.size, () => 0)));
  if (needsWorker(sizes)) startParser();
}

function fileIssue(file: string, message: string): WorkflowSet {
  return { workflows: [], issues: [{ file, line: 0, column: 0, field: '', message }] };
}

/**
 * Loads every workflow of the project at `projectDir`: `.dstack/workflows.yaml`
 * and `.dstack/workflows/*.yml|*.yaml`. Returns the valid workflows and all
 * issues, across files (a name defined in two files is an issue). Files are
 * parsed in a worker thread, each within `limits.timeoutMs`, unless they are
 * small enough to parse here at once (see parse-off-thread.ts).
 */
export async function loadWorkflows(projectDir: string, limits: ParseLimits = {}): Promise<WorkflowSet> {
  const dir = path.resolve(projectDir);
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) return fileIssue(dir, 'the project folder does not exist; open a folder that has a .dstack folder.');
  const files = await findWorkflowFiles(dir);
  if (files.length === 0) {
    return fileIssue('.dstack', 'no workflow files found; create .dstack/workflows.yaml or .dstack/workflows/NAME.yaml with a top-level "workflows:" list.');
  }
  const read: ({ file: string; text: string } | ParsedFile)[] = [];
  for (const f of files) {
    try {
      read.push({ file: f, text: await readFile(path.join(dir, f), 'utf8') });
    } catch (err) {
      const reason = err instanceof Error && 'code' in err ? String(err.code) : String(err);
      read.push({
        file: f, entries: [],
        issues: [{ file: f, line: 0, column: 0, field: '', message: `cannot read the file (${reason}); check its permissions.` }],
      });
    }
  }
  const texts = read.filter((r): r is { file: string; text: string } => 'text' in r);
  const parsed = await parseFilesOffThread(texts, limits);
  return combineFiles(read.map((r) => ('text' in r ? parsed[texts.indexOf(r)]! : r)));
}
