/**
 * Checks across workflows and files: names must be unique in the project,
 * a dep on a workflow must name one that exists, and deps form no cycle. Done once over all files,
 * so the same code serves one text (tests, editors) and a whole project.
 */
import type { DepNode } from './cycles';
import { findCycles } from './cycles';
import { closest } from './suggest';
import type { ParsedFile } from './file';
import { parseFile } from './file';
import { sortIssues } from './issues';
import type { Loc } from './reader';
import type { Workflow, WorkflowIssue, WorkflowSet } from './types';

const MAX_LISTED = 10;

function listNames(names: string[]): string {
  if (names.length === 0) return 'the project defines no workflows yet';
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return `defined workflows: ${shown}${names.length > MAX_LISTED ? `, and ${names.length - MAX_LISTED} more` : ''}`;
}

/** Merges parsed files, in order: the first definition of a name wins and later ones are issues. */
export function combineFiles(files: ParsedFile[]): WorkflowSet {
  const issues: WorkflowIssue[] = files.flatMap((f) => f.issues);
  const firstAt = new Map<string, { file: string; loc: Loc }>();
  const workflows: Workflow[] = [];
  for (const f of files) {
    for (const p of f.entries) {
      if (!p.name) continue;
      const first = firstAt.get(p.name);
      if (first) {
        issues.push({
          file: f.file, line: p.nameLoc.line, column: p.nameLoc.column, field: p.nameField,
          message: `workflow "${p.name}" is already defined at ${first.file}:${first.loc.line}:${first.loc.column}; rename one of them.`,
        });
        continue;
      }
      firstAt.set(p.name, { file: f.file, loc: p.nameLoc });
      if (p.workflow) workflows.push(p.workflow);
    }
  }
  const names = [...firstAt.keys()];
  const broken = new Set<Workflow>();
  const graph = new Map<string, DepNode>();
  for (const f of files) {
    for (const p of f.entries) {
      if (p.name && firstAt.get(p.name)?.loc === p.nameLoc) graph.set(p.name, { file: f.file, refs: p.depRefs });
      for (const ref of p.depRefs) {
        if (ref.kind !== 'workflow' || firstAt.has(ref.name)) continue;
        const guess = closest(ref.name, names);
        issues.push({
          file: f.file, line: ref.loc.line, column: ref.loc.column, field: ref.field,
          message: `no workflow is named "${ref.name}"; ${guess ? `did you mean "${guess}"?` : `${listNames(names)}.`}`,
        });
        if (p.workflow) broken.add(p.workflow);
      }
    }
  }
  const cycles = findCycles(graph);
  issues.push(...cycles.issues);
  return {
    workflows: workflows.filter((w) => !broken.has(w) && !cycles.inCycle.has(w.name)),
    issues: sortIssues(issues, files.map((f) => f.file)),
  };
}

/**
 * Parses the text of one workflow file as if it were the whole project:
 * deps must name workflows of the same text. `file` is the path to show in
 * issues, relative to the project, e.g. `.dstack/workflows/train.yaml`.
 */
export function parseWorkflowText(text: string, file: string): WorkflowSet {
  return combineFiles([parseFile(text, file)]);
}
