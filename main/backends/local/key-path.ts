/**
 * The mapping between storage keys and files. A key's `/`-separated segments
 * become folders and a file name, verbatim, so `~/.dstack/local/storage`
 * stays readable by people. Segments that a file system cannot hold as a
 * name (empty, `.`, `..`, a backslash or NUL) are refused up front, because
 * they would silently alias another key or escape the storage folder.
 */
import { randomBytes } from 'node:crypto';
import { join, sep } from 'node:path';
import { InvalidArgumentError } from '../../common/errors';

/**
 * Temporary files start with this, so listings can skip them and no key can
 * ever name one.
 */
export const TEMP_PREFIX = '.dstack-tmp-';

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/** A fresh temporary file name in `dir`, for a file that will be renamed into place there. */
export function tempPathBeside(dir: string): string {
  return join(dir, `${TEMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
}

function badKey(key: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `The storage key "${key}" ${why}.`,
    'Use keys of non-empty segments separated by "/", without ".", ".." or backslashes.',
  );
}

/** Splits and checks a key; throws InvalidArgumentError naming the key and the rule it breaks. */
export function keySegments(key: string): string[] {
  if (key.length === 0) throw badKey(key, 'is empty');
  if (key.includes('\0')) throw badKey(key, 'contains a NUL character');
  if (key.includes('\\')) throw badKey(key, 'contains a backslash');
  const segments = key.split('/');
  for (const s of segments) {
    if (s === '') throw badKey(key, 'has an empty segment (a leading, trailing or doubled "/")');
    if (s === '.' || s === '..') throw badKey(key, `has a "${s}" segment`);
    if (isTempName(s)) throw badKey(key, `has a segment starting with "${TEMP_PREFIX}", which is reserved`);
  }
  return segments;
}

/** The file that holds `key` under `root`. */
export function keyToPath(root: string, key: string): string {
  return join(root, ...keySegments(key));
}

/**
 * Splits a listing prefix into the folder it points into and the start of a
 * name in that folder: `jobs/r/l;` → (`jobs/r`, `l;`). A prefix may end in
 * the middle of a name, so only the part before the last `/` is a folder.
 */
export function splitPrefix(root: string, prefix: string): { dir: string; dirKey: string; namePrefix: string } {
  const cut = prefix.lastIndexOf('/');
  const dirKey = cut < 0 ? '' : prefix.slice(0, cut + 1);
  const namePrefix = prefix.slice(cut + 1);
  if (dirKey === '') return { dir: root, dirKey, namePrefix };
  const segments = dirKey.slice(0, -1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) {
    throw badKey(prefix, 'is not a valid listing prefix');
  }
  return { dir: root + sep + segments.join(sep), dirKey, namePrefix };
}
