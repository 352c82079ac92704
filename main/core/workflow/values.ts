/**
 * Readers for single values (text, booleans, counts, sizes, paths). Each one
 * reports what it found and what is allowed, and returns undefined when the
 * value is unusable, so the caller carries on and every mistake is reported.
 */
import path from 'node:path';
import type { Node } from 'yaml';
import { isScalar, isSeq } from 'yaml';
import { scanExpressions } from './expressions';
import { parseMemory } from './memory';
import type { FileReader, Loc } from './reader';

/**
 * What a text field does with `${{ }}`: check it and collect secret names
 * into the set (fields that are interpolated), refuse it (fields that are
 * not), or leave it alone (help text).
 */
export type ExprPolicy = Set<string> | 'forbid' | 'ignore';

export const INTERPOLATED_FIELDS = 'commands, env, entrypoint, working_dir and image';

/** What a value should be, and how to write it: `<found> is not <what>; <fix>.` */
export interface Expect {
  what: string;
  fix: string;
}

/** Where a NUL is written in the source: as an escape in a quoted string (never at the node's start, the quote), or as the raw byte. */
function nulLoc(r: FileReader, node: Node): Loc {
  const start = r.loc(node);
  for (const needle of ['\\0', '\\x00', '\\u0000']) {
    const at = r.locIn(node, needle);
    if (at.line !== start.line || at.column !== start.column) return at;
  }
  return r.locIn(node, '\0');
}

export function readText(r: FileReader, node: Node, field: string, expect: Expect, exprs: ExprPolicy): string | undefined {
  if (!isScalar(node) || node.value === null) {
    r.wrong(node, field, expect.what, expect.fix);
    return undefined;
  }
  const text = r.scalarText(node);
  if (text.trim() === '') {
    r.wrong(node, field, expect.what, expect.fix);
    return undefined;
  }
  if (text.includes('\0')) {
    // Node refuses a NUL in argv, env and paths with a raw "must be a string without null bytes"; say it here, with the place.
    r.report(nulLoc(r, node), field, 'the text contains a NUL character (\\0), which no command, variable or path can hold; remove it.');
    return undefined;
  }
  if (exprs === 'forbid') {
    if (text.includes('${{')) {
      r.report(r.locIn(node, '${{'), field,
        `expressions like \${{ run.name }} work only in ${INTERPOLATED_FIELDS}; write the value out here.`);
      return undefined;
    }
  } else if (exprs !== 'ignore') {
    const scan = scanExpressions(text);
    for (const p of scan.problems) r.report(r.locIn(node, p.raw), field, p.message);
    for (const s of scan.secretNames) exprs.add(s);
    if (scan.problems.length) return undefined;
  }
  return text;
}

export function readBool(r: FileReader, node: Node, field: string, fix: string): boolean | undefined {
  if (isScalar(node) && typeof node.value === 'boolean') return node.value;
  r.wrong(node, field, 'true or false', fix);
  return undefined;
}

/** A whole number of at least `min`. */
export function readCount(r: FileReader, node: Node, field: string, min: number, expect: Expect): number | undefined {
  if (isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value) && node.value >= min) return node.value;
  r.wrong(node, field, expect.what, expect.fix);
  return undefined;
}

/** A number greater than zero (CPUs may be fractional). */
export function readPositive(r: FileReader, node: Node, field: string, expect: Expect): number | undefined {
  if (isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value) && node.value > 0) return node.value;
  r.wrong(node, field, expect.what, expect.fix);
  return undefined;
}

/** A memory size with a unit, in MiB. */
export function readMemory(r: FileReader, node: Node, field: string, example: string): number | undefined {
  const mib = isScalar(node) ? parseMemory(r.scalarText(node)) : undefined;
  if (mib === undefined) {
    r.wrong(node, field, 'a memory size', `use a number with MB or GB, e.g. "${example}"`);
    return undefined;
  }
  if (mib < 1) {
    r.report(r.loc(node), field, `${r.describe(node)} is too small; use at least 1MB, e.g. "${example}".`);
    return undefined;
  }
  return mib;
}

/**
 * A path inside the project, normalized (`./output/` → `output`). Absolute
 * paths and paths that climb out with `..` are refused: artifacts, caches and
 * the working directory all live in the job's copy of the project.
 */
export function readRelativePath(
  r: FileReader, node: Node, field: string, expect: Expect, exprs: ExprPolicy, example: string,
): string | undefined {
  const text = readText(r, node, field, expect, exprs);
  if (text === undefined) return undefined;
  const slashed = text.replace(/\\/g, '/');
  const norm = path.posix.normalize(slashed).replace(/\/+$/, '') || '.';
  if (slashed.startsWith('/') || slashed.startsWith('~') || /^[A-Za-z]:/.test(slashed) || norm === '..' || norm.startsWith('../')) {
    r.report(r.loc(node), field, `${r.describe(node)} is not a path inside the project; use a relative path, e.g. "${example}".`);
    return undefined;
  }
  return norm;
}

/** The items of a list, aliases followed (an empty item stays as its null scalar), with field paths. */
export function readList(r: FileReader, node: Node, field: string, expect: Expect): { node: Node; field: string }[] | undefined {
  if (!isSeq(node)) {
    r.wrong(node, field, expect.what, expect.fix);
    return undefined;
  }
  return node.items.map((item, i) => ({ node: r.resolve(item) ?? (item as Node), field: `${field}[${i}]` }));
}
