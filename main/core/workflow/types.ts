/**
 * The shapes the workflow parser produces. A workflow is what one entry of a
 * `workflows:` list means once validated; a set carries every workflow that
 * is valid together with every issue found, so callers can list what works
 * and show all mistakes at once instead of stopping at the first.
 */
import type { DepSpec, JobSpec } from '../../common/job';

/** The job spec's fields as the file gives them (`python` as written: 3.10 stays "3.10"), plus what only a workflow has. */
export interface Workflow extends Omit<JobSpec, 'workflowName'> {
  name: string;
  help?: string;
  deps: DepSpec[];
  /** Secrets the workflow refers to with `${{ secrets.NAME }}`: the runner fetches these. */
  secretNames: string[];
  /** Where the workflow starts, so the UI and CLI can point at it. */
  source: { file: string; line: number };
  /** Where each of `deps` is declared (same order), so a dep that fails at submit time names its line. */
  depSources: DepSource[];
}

/** The place of one `deps:` entry: the file, line and column of its name, and its field path. */
export interface DepSource {
  file: string;
  line: number;
  column: number;
  field: string;
}

/**
 * One mistake in a workflow file. `file` is relative to the project folder
 * with forward slashes; `line` and `column` count from 1 (0 when the issue
 * is about the project rather than a place in a file); `field` is a path like
 * `workflows[1].resources.memory`, empty for the file as a whole.
 */
export interface WorkflowIssue {
  file: string;
  line: number;
  column: number;
  field: string;
  message: string;
}

/** Valid workflows, plus every issue found. Workflows with issues are left out of `workflows`. */
export interface WorkflowSet {
  workflows: Workflow[];
  issues: WorkflowIssue[];
}
