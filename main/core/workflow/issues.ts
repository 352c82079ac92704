/**
 * How workflow issues read, one per line, in the `file:line:col:` form that
 * terminals and editors turn into links, and the error that carries them all
 * when a caller needs a workflow from a set that has mistakes.
 */
import { DstackError } from '../../common/errors';
import type { WorkflowIssue } from './types';

/** `file:line:col: field: message`, leaving out the parts an issue does not have. */
export function formatIssue(i: WorkflowIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.column}` : i.file;
  return i.field ? `${where}: ${i.field}: ${i.message}` : `${where}: ${i.message}`;
}

/**
 * Workflow files have mistakes. The message lists every issue, one per line,
 * so the CLI can print it as is; `issues` (also in `details`) lets the UI
 * show them as a list with links.
 */
export class WorkflowError extends DstackError {
  readonly issues: WorkflowIssue[];

  constructor(issues: WorkflowIssue[]) {
    super('invalid_workflow', issues.map(formatIssue).join('\n'), { details: { issues } });
    this.name = 'WorkflowError';
    this.issues = issues;
  }
}

/** Orders issues by file (in the given file order), then line and column. */
export function sortIssues(issues: WorkflowIssue[], fileOrder: readonly string[]): WorkflowIssue[] {
  const rank = (f: string) => {
    const i = fileOrder.indexOf(f);
    return i < 0 ? fileOrder.length : i;
  };
  return [...issues].sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line || a.column - b.column);
}
