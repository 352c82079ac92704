/**
 * Reading a YAML document node by node, with positions. Every check in the
 * parser goes through a FileReader so that each issue gets the file, the line
 * and column of the node it is about, and the field path, in one place.
 */
import type { Alias, Document, LineCounter, Node, Scalar, YAMLMap } from 'yaml';
import { isAlias, isMap, isNode, isScalar, isSeq, visit } from 'yaml';
import { closest } from './suggest';
import type { WorkflowIssue } from './types';

export interface Loc {
  line: number;
  column: number;
}

/** A value node after alias resolution; null when the value is absent or `null`/`~`/empty. */
export type Value = Node | null;

/** One `key: value` of a map, with where to point when the value is wrong or missing. */
export interface Entry {
  key: string;
  keyLoc: Loc;
  value: Value;
  field: string;
}

export interface MapEntries {
  entries: Map<string, Entry>;
  /** Known keys that an unknown key was reported as a likely typo of. */
  suggested: Set<string>;
}

const MAX_QUOTED = 40;

export class FileReader {
  readonly issues: WorkflowIssue[] = [];
  /** Each alias's anchored node, found in one pass: the library's `Alias.resolve` walks the whole document per call, quadratic over many aliases. */
  private readonly targets = new Map<Alias, Node>();

  constructor(
    readonly file: string,
    private readonly text: string,
    private readonly lines: LineCounter,
    doc: Document,
  ) {
    // In document order, an alias names the latest node before it with that anchor (YAML 1.2, 3.2.2.2).
    const anchors = new Map<string, Node>();
    visit(doc, (_key, node) => {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) this.targets.set(node, target);
        else this.report(this.loc(node), '', `*${node.source} refers to no anchor; define &${node.source} before it.`);
      } else if (isNode(node) && node.anchor) {
        anchors.set(node.anchor, node);
      }
    });
  }

  locAt(offset: number): Loc {
    const p = this.lines.linePos(offset);
    return { line: p.line, column: p.col };
  }

  loc(node: Node | null | undefined, fallback: Loc = { line: 1, column: 1 }): Loc {
    const start = node?.range?.[0];
    return start === undefined ? fallback : this.locAt(start);
  }

  /** Where `needle` appears in the source of `node` (e.g. one expression in a command). */
  locIn(node: Node, needle: string): Loc {
    const [start, end] = node.range ?? [0, 0];
    const at = this.text.slice(start, end).indexOf(needle);
    return this.locAt(at < 0 ? start : start + at);
  }

  report(at: Loc, field: string, message: string): void {
    this.issues.push({ file: this.file, line: at.line, column: at.column, field, message });
  }

  /** Reports `<found> is not <what>; <fix>.` at the node. */
  wrong(node: Node, field: string, what: string, fix: string): void {
    this.report(this.loc(node), field, `${this.describe(node)} is not ${what}; ${fix}.`);
  }

  /** Follows an alias to its anchored node; maps empty scalars to null. */
  resolve(node: unknown): Value {
    let n = node;
    if (isAlias(n)) n = this.targets.get(n);
    if (!n || (isScalar(n) && n.value === null)) return null;
    return n as Node;
  }

  /** What a value is, for messages: a quoted string, a number as written, "a list", "a map". */
  describe(node: Value): string {
    if (node === null) return 'an empty value';
    if (isMap(node)) return 'a map';
    if (isSeq(node)) return 'a list';
    if (isScalar(node)) {
      if (node.value === null) return 'an empty value';
      if (typeof node.value === 'string') {
        const s = node.value.length > MAX_QUOTED ? `${node.value.slice(0, MAX_QUOTED)}…` : node.value;
        return JSON.stringify(s);
      }
      return this.scalarText(node);
    }
    return 'a value';
  }

  /**
   * A scalar as text. Strings as parsed; numbers and booleans as written, so
   * `python: 3.10` gives "3.10" and `- true` stays the shell command `true`.
   */
  scalarText(node: Scalar): string {
    if (typeof node.value === 'string') return node.value;
    const [start, end] = node.range ?? [0, 0];
    const src = this.text.slice(start, end).trim();
    return src || String(node.value);
  }

  /**
   * The entries of a map. Reports keys that are not plain names, keys given
   * twice, and keys outside `allowed` (with the closest known key when it
   * looks like a typo). `allowed` null accepts any key (env maps).
   */
  entries(map: YAMLMap, field: string, allowed: readonly string[] | null): MapEntries {
    const entries = new Map<string, Entry>();
    const suggested = new Set<string>();
    for (const pair of map.items) {
      const keyNode = this.resolve(pair.key);
      const keyLoc = this.loc(keyNode ?? (pair.key as Node | null), this.loc(map));
      if (!keyNode || !isScalar(keyNode)) {
        this.report(keyLoc, field, `${this.describe(keyNode)} is not a key; use a plain name followed by ":".`);
        continue;
      }
      const key = this.scalarText(keyNode);
      const path = field ? `${field}.${key}` : key;
      const seen = entries.get(key);
      if (seen) {
        this.report(keyLoc, path, `"${key}" appears twice (first at line ${seen.keyLoc.line}); keep one.`);
        continue;
      }
      if (allowed && !allowed.includes(key)) {
        const guess = closest(key, allowed);
        if (guess) suggested.add(guess);
        this.report(keyLoc, path, guess
          ? `unknown key "${key}"; did you mean "${guess}"?`
          : `unknown key "${key}"; allowed keys: ${allowed.join(', ')}.`);
        continue;
      }
      entries.set(key, { key, keyLoc, value: this.resolve(pair.value), field: path });
    }
    return { entries, suggested };
  }
}
