/**
 * One entry of a `workflows:` list, read into a {@link Workflow}. All fields
 * are read even after a mistake, so one pass reports everything; the
 * workflow is returned only when it has no issues of its own.
 */
import type { Node } from 'yaml';
import { isMap, isScalar, isSeq } from 'yaml';
import type { Provider } from '../../common/job';
import type { DepRef } from './collections';
import { NAME_RE, readArtifacts, readCache, readDeps, readEnv } from './collections';
import type { Entry, FileReader, Loc } from './reader';
import { readResources } from './resources';
import { closest } from './suggest';
import type { Workflow } from './types';
import { readCount, readList, readRelativePath, readText } from './values';

export const WORKFLOW_KEYS = [
  'name', 'help', 'provider', 'commands', 'image', 'python', 'entrypoint', 'env',
  'working_dir', 'artifacts', 'deps', 'cache', 'ports', 'resources',
] as const;

export const PROVIDERS: readonly Provider[] = ['bash', 'docker'];

const PYTHON_RE = /^\d+(\.\d+){0,2}$/;

/** What the file-level checks need from each entry, valid or not. */
export interface ParsedWorkflow {
  name?: string;
  nameLoc: Loc;
  nameField: string;
  depRefs: DepRef[];
  /** Set only when this entry has no issues. */
  workflow?: Workflow;
}

function readProvider(r: FileReader, e: Entry | undefined): Provider | undefined {
  if (!e?.value) return 'bash';
  const text = readText(r, e.value, e.field, { what: 'a provider', fix: 'use bash or docker' }, 'forbid');
  if (text === undefined) return undefined;
  if ((PROVIDERS as readonly string[]).includes(text)) return text as Provider;
  const guess = closest(text, PROVIDERS);
  r.report(r.loc(e.value), e.field, guess
    ? `"${text}" is not a known provider; did you mean ${guess}?`
    : `"${text}" is not a known provider; use ${PROVIDERS.join(' or ')}.`);
  return undefined;
}

/**
 * `commands` as a list, or as one string (dstack 0.7 accepts both). The
 * runner joins commands with newlines into one script, so a string, even a
 * multi-line block, runs exactly as written.
 */
function readCommands(r: FileReader, node: Node, field: string, secrets: Set<string>): string[] {
  const expect = { what: 'a command', fix: 'write it as a string, in quotes if it contains ": "' };
  if (isScalar(node)) {
    const cmd = readText(r, node, field, expect, secrets);
    return cmd === undefined ? [] : [cmd];
  }
  const items = readList(r, node, field, { what: 'a list of commands', fix: 'write one command per line, e.g. commands: ["echo hello"]' });
  const out: string[] = [];
  for (const { node: item, field: f } of items ?? []) {
    const cmd = readText(r, item, f, expect, secrets);
    if (cmd !== undefined) out.push(cmd);
  }
  return out;
}

/** Checks that only make sense once the provider is known. */
function checkProvider(r: FileReader, provider: Provider, entries: Map<string, Entry>, suggested: Set<string>, at: Loc, base: string): void {
  if (provider === 'bash') {
    for (const k of ['image', 'entrypoint']) {
      const e = entries.get(k);
      if (e) r.report(e.keyLoc, e.field, `${k} is for provider: docker; add provider: docker, or remove ${k}.`);
    }
    const cmd = entries.get('commands');
    if (!cmd) {
      if (!suggested.has('commands')) r.report(at, `${base}.commands`, 'missing; a bash workflow needs commands, e.g. commands: ["echo hello"].');
    } else if (cmd.value === null || (isSeq(cmd.value) && cmd.value.items.length === 0)) {
      r.report(cmd.keyLoc, cmd.field, 'the list is empty; a bash workflow needs commands, e.g. commands: ["echo hello"].');
    }
  } else {
    const py = entries.get('python');
    if (py) r.report(py.keyLoc, py.field, 'python is for provider: bash; with docker, choose an image that has the Python you need.');
    const image = entries.get('image');
    if (!image) {
      if (!suggested.has('image')) r.report(at, `${base}.image`, 'missing; a docker workflow needs an image, e.g. image: ubuntu.');
    } else if (image.value === null) {
      r.report(image.keyLoc, image.field, 'the value is empty; a docker workflow needs an image, e.g. image: ubuntu.');
    }
  }
}

export function readWorkflow(r: FileReader, node: Node, index: number): ParsedWorkflow {
  const base = `workflows[${index}]`;
  const at = r.loc(node);
  const parsed: ParsedWorkflow = { nameLoc: at, nameField: `${base}.name`, depRefs: [] };
  if (!isMap(node)) {
    r.wrong(node, base, 'a workflow', 'write a map with a name, e.g. "- name: hello"');
    return parsed;
  }
  const before = r.issues.length;
  const { entries, suggested } = r.entries(node, base, WORKFLOW_KEYS);
  const get = (k: string) => {
    const e = entries.get(k);
    return e?.value ? { e, v: e.value } : undefined;
  };
  const secrets = new Set<string>();

  const nameE = get('name');
  if (nameE) {
    parsed.nameLoc = r.loc(nameE.v);
    const name = readText(r, nameE.v, nameE.e.field, { what: 'a workflow name', fix: 'use a plain string, e.g. name: train' }, 'forbid');
    if (name !== undefined && !NAME_RE.test(name)) {
      const slug = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-._]+|-+$/g, '') || 'train';
      r.wrong(nameE.v, nameE.e.field, 'a valid workflow name', `use letters, digits, ".", "_" and "-", e.g. "${slug}"`);
    } else if (name !== undefined) {
      parsed.name = name;
    }
  } else if (!suggested.has('name')) {
    r.report(entries.get('name')?.keyLoc ?? at, `${base}.name`, 'missing; every workflow needs a name, e.g. name: train.');
  }

  const helpE = get('help');
  const help = helpE && readText(r, helpE.v, helpE.e.field, { what: 'a help text', fix: 'write one line of text' }, 'ignore');
  const provider = readProvider(r, entries.get('provider'));
  const cmdE = get('commands');
  const commands = cmdE ? readCommands(r, cmdE.v, cmdE.e.field, secrets) : [];
  const text = (k: string, what: string, fix: string) => {
    const g = get(k);
    return g && readText(r, g.v, g.e.field, { what, fix }, secrets);
  };
  const image = text('image', 'an image name', 'use a Docker image, e.g. image: ubuntu:22.04');
  const entrypoint = text('entrypoint', 'an entrypoint', 'write it as one string, e.g. entrypoint: /bin/bash -c');
  const pyE = get('python');
  let python: string | undefined;
  if (pyE) {
    python = isScalar(pyE.v) && PYTHON_RE.test(r.scalarText(pyE.v)) ? r.scalarText(pyE.v) : undefined;
    if (python === undefined) r.wrong(pyE.v, pyE.e.field, 'a Python version', 'use a version number, e.g. python: 3.10');
  }
  const envE = get('env');
  const env = envE ? readEnv(r, envE.v, envE.e.field, secrets) : {};
  const wdE = get('working_dir');
  const workingDir = wdE && readRelativePath(r, wdE.v, wdE.e.field, { what: 'a working directory', fix: 'use a folder of the project' }, secrets, 'src');
  const artE = get('artifacts');
  const artifacts = artE ? readArtifacts(r, artE.v, artE.e.field) : [];
  const depsE = get('deps');
  const deps = depsE ? readDeps(r, depsE.v, depsE.e.field, parsed.depRefs) : [];
  const cacheE = get('cache');
  const cache = cacheE ? readCache(r, cacheE.v, cacheE.e.field) : [];
  const portsE = get('ports');
  const ports = portsE ? readCount(r, portsE.v, portsE.e.field, 0, { what: 'a number of ports', fix: 'use a whole number, e.g. ports: 1' }) : 0;
  const resE = get('resources');
  const resources = resE ? readResources(r, resE.v, resE.e.field) : { interruptible: false };

  if (provider) checkProvider(r, provider, entries, suggested, at, base);

  if (r.issues.length === before && parsed.name && provider && ports !== undefined) {
    parsed.workflow = {
      name: parsed.name, provider, commands, env, artifacts, deps, cache, ports, resources,
      secretNames: [...secrets].sort(),
      source: { file: r.file, line: at.line },
      depSources: parsed.depRefs.map((d) => ({ file: r.file, line: d.loc.line, column: d.loc.column, field: d.field })),
      ...(help !== undefined && { help }),
      ...(image !== undefined && { image }),
      ...(python !== undefined && { python }),
      ...(entrypoint !== undefined && { entrypoint }),
      ...(workingDir !== undefined && { workingDir }),
    };
  }
  return parsed;
}
