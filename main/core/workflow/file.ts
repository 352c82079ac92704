/**
 * One workflow file: YAML syntax first (with the yaml library's own line and
 * column), then the top-level shape, then each workflow entry.
 */
import type { Alias, Document, Node, YAMLError } from 'yaml';
import { isMap, isSeq, LineCounter, parseDocument, visit } from 'yaml';
import { FileReader } from './reader';
import type { WorkflowIssue } from './types';
import type { ParsedWorkflow } from './workflow';
import { readWorkflow } from './workflow';

export interface ParsedFile {
  file: string;
  entries: ParsedWorkflow[];
  issues: WorkflowIssue[];
}

const SYNTAX_FIX: Record<string, string> = {
  MULTIPLE_DOCS: 'keep one document, without a second "---"',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  MISSING_CHAR: 'add the closing quote or bracket',
};

function syntaxMessage(e: YAMLError): string {
  if (e.code === 'MULTIPLE_DOCS') return `invalid YAML: the file has more than one document; ${SYNTAX_FIX.MULTIPLE_DOCS}.`;
  if (e.code === 'MISSING_CHAR' && /quote/i.test(e.message)) return `invalid YAML: a quoted value is not closed; ${SYNTAX_FIX.MISSING_CHAR}.`;
  const lib = e.message.replace(/[.\s]+$/, '');
  const fix = SYNTAX_FIX[e.code] ?? 'check the indentation, and quote values that contain ": " or start with a special character';
  return `invalid YAML: ${lib.charAt(0).toLowerCase()}${lib.slice(1)}; ${fix}.`;
}

/**
 * Aliases a file may use. Workflow files use a few, to share env or
 * resources; thousands are an attack (each one multiplies what the reader
 * walks). The library's own `maxAliasCount` guards only `toJS()`, which this
 * parser never calls, so the cap is counted here, in one pass, before any
 * alias is followed.
 */
export const MAX_ALIASES = 100;

const ALIAS_CAP_MESSAGE = (a: Alias) =>
  `the file uses more than ${MAX_ALIASES} aliases (*${a.source} here is number ${MAX_ALIASES + 1}); write the values out, or split the workflows into several files.`;

/** The first alias past the cap, if there is one. */
function aliasOverCap(doc: Document): Alias | undefined {
  let count = 0;
  let over: Alias | undefined;
  visit(doc, {
    Alias: (_key, node) => {
      if (++count <= MAX_ALIASES) return undefined;
      over = node;
      return visit.BREAK;
    },
  });
  return over;
}

const EMPTY_LIST = 'the list is empty; add a workflow, e.g. "- name: hello".';

/** Parses one file's text. `file` is the path shown in issues (relative to the project). */
export function parseFile(text: string, file: string): ParsedFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { keepSourceTokens: true, lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length) {
    const issues = doc.errors.map((e) => {
      const p = lines.linePos(e.pos[0]);
      return { file, line: p.line, column: p.col, field: '', message: syntaxMessage(e) };
    });
    return { file, entries: [], issues };
  }
  const tooMany = aliasOverCap(doc);
  if (tooMany) {
    const p = lines.linePos(tooMany.range?.[0] ?? 0);
    return { file, entries: [], issues: [{ file, line: p.line, column: p.col, field: '', message: ALIAS_CAP_MESSAGE(tooMany) }] };
  }
  const r = new FileReader(file, text, lines, doc);
  const parsed: ParsedFile = { file, entries: [], issues: r.issues };
  const root = r.resolve(doc.contents);
  if (!root) {
    r.report({ line: 1, column: 1 }, '', 'the file is empty; add a top-level "workflows:" list, or delete the file.');
    return parsed;
  }
  if (!isMap(root)) {
    r.wrong(root, '', 'a workflow file', 'put the workflows in a list under a top-level "workflows:" key');
    return parsed;
  }
  const { entries, suggested } = r.entries(root, '', ['workflows']);
  const list = entries.get('workflows');
  if (!list) {
    if (!suggested.has('workflows')) {
      r.report(r.loc(root), '', 'there is no "workflows:" list; put the workflows in a list under a top-level "workflows:" key.');
    }
    return parsed;
  }
  if (list.value === null || (isSeq(list.value) && list.value.items.length === 0)) {
    r.report(list.keyLoc, 'workflows', EMPTY_LIST);
    return parsed;
  }
  if (!isSeq(list.value)) {
    r.wrong(list.value, 'workflows', 'a list of workflows', 'start each workflow with "- name:"');
    return parsed;
  }
  list.value.items.forEach((item, i) => {
    parsed.entries.push(readWorkflow(r, (r.resolve(item) ?? item) as Node, i));
  });
  return parsed;
}
