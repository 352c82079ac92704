/**
 * Readers for the list-shaped fields of a workflow: env, artifacts, deps and
 * cache. Each accepts the forms dstack accepts (a list of `K=V` or a map for
 * env, a plain path or `{path}` for artifacts and cache) and reports every
 * bad item on its own line.
 */
import type { Node } from 'yaml';
import { isMap, isScalar } from 'yaml';
import type { ArtifactSpec, DepSpec } from '../../common/job';
import type { Entry, FileReader, Loc } from './reader';
import { readBool, readList, readRelativePath, readText } from './values';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Workflow and tag names end up in job ids and storage keys: no commas, slashes or semicolons. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A `deps:` entry, kept with its place so a missing workflow, a cycle or a missing tag can be pointed at. */
export interface DepRef {
  kind: 'workflow' | 'tag';
  name: string;
  loc: Loc;
  field: string;
}

function badEnvName(r: FileReader, node: Node, field: string, name: string): boolean {
  if (ENV_NAME.test(name)) return false;
  r.report(r.loc(node), field, `"${name}" is not a variable name; use letters, digits and _, not starting with a digit.`);
  return true;
}

/** `env` as a list of `NAME=value` strings or as a map. Values may use expressions. */
export function readEnv(r: FileReader, node: Node, field: string, secrets: Set<string>): Record<string, string> {
  const env: Record<string, string> = {};
  if (isMap(node)) {
    for (const e of r.entries(node, field, null).entries.values()) {
      if (badEnvName(r, node, e.field, e.key)) continue;
      if (e.value === null) {
        env[e.key] = '';
        continue;
      }
      const v = readText(r, e.value, e.field, { what: 'a value', fix: 'use a string or a number' }, secrets);
      if (v !== undefined) env[e.key] = v;
    }
    return env;
  }
  const items = readList(r, node, field, { what: 'a list or map of variables', fix: 'write e.g. env: ["DEBUG=1"] or env: {DEBUG: 1}' });
  const firstLine = new Map<string, number>();
  for (const { node: item, field: f } of items ?? []) {
    const entry = readText(r, item, f, { what: 'NAME=value', fix: 'write e.g. "DEBUG=1"' }, secrets);
    if (entry === undefined) continue;
    const eq = entry.indexOf('=');
    if (eq < 0) {
      r.report(r.loc(item), f, `"${entry}" is not NAME=value; write it as "${entry}=value".`);
      continue;
    }
    const name = entry.slice(0, eq).trim();
    if (badEnvName(r, item, f, name)) continue;
    const line = r.loc(item).line;
    const first = firstLine.get(name);
    if (first !== undefined) {
      r.report(r.loc(item), f, `${name} is already set at line ${first}; keep one.`);
      continue;
    }
    firstLine.set(name, line);
    env[name] = entry.slice(eq + 1);
  }
  return env;
}

const PATH_ITEM = { what: 'a path', fix: 'use a folder inside the project, e.g. "output"' };

/**
 * A list item that is a path, or a map with `path` plus `extra` keys. The
 * extra entries are returned even when the path is wrong, so they get checked too.
 */
function readPathItem(
  r: FileReader, item: Node, f: string, extra: readonly string[], example: string,
): { path?: string; entries: Map<string, Entry> } | undefined {
  if (isScalar(item) && item.value !== null) {
    return { path: readRelativePath(r, item, f, PATH_ITEM, 'forbid', example), entries: new Map() };
  }
  if (!isMap(item)) {
    r.wrong(item, f, 'a path', `write e.g. - path: ${example}`);
    return undefined;
  }
  const { entries, suggested } = r.entries(item, f, ['path', ...extra]);
  const p = entries.get('path');
  if (!p || p.value === null) {
    if (!suggested.has('path')) r.report(p?.keyLoc ?? r.loc(item), `${f}.path`, `missing; name the folder, e.g. path: ${example}.`);
    return { entries };
  }
  return { path: readRelativePath(r, p.value, p.field, PATH_ITEM, 'forbid', example), entries };
}

export function readArtifacts(r: FileReader, node: Node, field: string): ArtifactSpec[] {
  const items = readList(r, node, field, { what: 'a list of artifacts', fix: 'write e.g. artifacts: [{path: output}]' });
  const out: ArtifactSpec[] = [];
  for (const { node: item, field: f } of items ?? []) {
    const got = readPathItem(r, item, f, ['mount'], 'output');
    const mount = got?.entries.get('mount');
    const mounted = mount?.value ? readBool(r, mount.value, mount.field, 'use mount: true to save files while the job runs') : false;
    if (got?.path !== undefined && mounted !== undefined) out.push({ path: got.path, mount: mounted });
  }
  return out;
}

export function readCache(r: FileReader, node: Node, field: string): string[] {
  const items = readList(r, node, field, { what: 'a list of cached folders', fix: 'write e.g. cache: [{path: .cache}]' });
  const out: string[] = [];
  for (const { node: item, field: f } of items ?? []) {
    const got = readPathItem(r, item, f, [], '.cache');
    if (got?.path !== undefined) out.push(got.path);
  }
  return out;
}

/** `deps`: each item names exactly one of a workflow or a tag. */
export function readDeps(r: FileReader, node: Node, field: string, refs: DepRef[]): DepSpec[] {
  const items = readList(r, node, field, { what: 'a list of deps', fix: 'write e.g. deps: [{workflow: prepare}]' });
  const out: DepSpec[] = [];
  for (const { node: item, field: f } of items ?? []) {
    if (!isMap(item)) {
      const name = isScalar(item) && item.value !== null ? r.scalarText(item) : 'NAME';
      r.wrong(item, f, 'a dep', `write it as {workflow: ${name.replace(/^:/, '')}} or {tag: ${name.replace(/^:/, '')}}`);
      continue;
    }
    const { entries, suggested } = r.entries(item, f, ['workflow', 'tag']);
    const wf = entries.get('workflow');
    const tag = entries.get('tag');
    if (wf && tag) {
      r.report(tag.keyLoc, f, 'a dep names a workflow or a tag, not both; split it into two deps.');
      continue;
    }
    const e = wf ?? tag;
    if (!e) {
      if (!suggested.size) r.report(r.loc(item), f, 'missing workflow or tag; write {workflow: NAME} or {tag: NAME}.');
      continue;
    }
    const kind = e.key === 'workflow' ? 'workflow' : 'tag';
    const expect = { what: `a ${kind} name`, fix: `use letters, digits, ".", "_" and "-", e.g. ${kind}: prepare` };
    if (e.value === null) {
      r.report(e.keyLoc, e.field, `missing; name the ${kind}, e.g. ${kind}: prepare.`);
      continue;
    }
    const name = readText(r, e.value, e.field, expect, 'forbid');
    if (name === undefined) continue;
    if (!NAME_RE.test(name)) {
      r.wrong(e.value, e.field, expect.what, expect.fix);
      continue;
    }
    refs.push({ kind, name, loc: r.loc(e.value), field: e.field });
    out.push(kind === 'workflow' ? { workflow: name } : { tag: name });
  }
  return out;
}
