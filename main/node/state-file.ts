/**
 * Small JSON state files of our own (the app's `app/state.json`): written
 * so a crash, a full disk or two writers at once never leave a torn file,
 * and read so a damaged one is kept for a person to look at instead of
 * being silently replaced by an empty state on the next save.
 */
import { readFile, rename } from 'node:fs/promises';
import type { z } from 'zod';
import { writeFileAtomically } from './atomic-write';

/**
 * Writes `data` as JSON through the one atomic writer: readers see the old
 * file or the new one, never a part; concurrent writers each rename a
 * whole file of their own, and the last one wins.
 */
export async function writeJsonDurably(file: string, data: unknown): Promise<void> {
  await writeFileAtomically(file, JSON.stringify(data, null, 2));
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
