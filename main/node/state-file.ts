/**
 * Small JSON state files of our own (the app's `app/state.json`): written
 * so a crash, a full disk or two writers at once never leave a torn file,
 * and read so a damaged one is kept for a person to look at instead of
 * being silently replaced by an empty state on the next save.
 */
import { randomBytes } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-dir';

/**
 * Writes `data` as JSON to a fresh temporary file beside `file`, flushes
 * it, renames it over `file` and flushes the folder. Readers see the old
 * file or the new one, never a part; concurrent writers each rename a
 * whole file of their own, and the last one wins.
 */
export async function writeJsonDurably(file: string, data: unknown): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const tmp = join(dir, `.${basename(file)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  const h = await open(tmp, 'wx', PRIVATE_FILE_MODE);
  try {
    try {
      await h.writeFile(JSON.stringify(data, null, 2));
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  let d: FileHandle | undefined;
  try {
    d = await open(dir, 'r');
    await d.sync();
  } catch {
    // Folders cannot be opened on Windows; the rename is still atomic.
  } finally {
    await d?.close();
  }
}

/** What reading a state file found. */
export type StateRead<T> = { state: 'ok'; data: T } | { state: 'missing' } | { state: 'bad'; keptAs: string; problem: string };

/**
 * Reads and checks a state file. A file that is not JSON or does not fit
 * `schema` is renamed to `{file}.bad-{timestamp}`, so the next save cannot
 * overwrite what may still be recovered by hand, and reported as `bad`.
 */
export async function readJsonState<T>(file: string, schema: z.ZodType<T>): Promise<StateRead<T>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    throw err;
  }
  let problem: string;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return { state: 'ok', data: parsed.data };
    const issue = parsed.error.issues[0]!;
    problem = `${issue.path.length ? `field "${issue.path.join('.')}"` : 'its content'}: ${issue.message}`;
  } catch {
    problem = text.length === 0 ? 'it is empty' : 'it is not valid JSON (cut off?)';
  }
  const keptAs = `${file}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await rename(file, keptAs);
  return { state: 'bad', keptAs, problem };
}
