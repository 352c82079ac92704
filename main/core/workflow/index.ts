/**
 * Workflow files in dstack's format: `.dstack/workflows.yaml` and
 * `.dstack/workflows/*.yml|*.yaml`. The core, the CLI and the UI all load
 * workflows through here, so they agree on what is valid and word every
 * mistake the same way.
 */
export type { Workflow, WorkflowIssue, WorkflowSet } from './types';
export { loadWorkflows, findWorkflowFiles } from './loader';
export { parseWorkflowText } from './workflow-set';
export { formatIssue, WorkflowError } from './issues';
export { findWorkflow, toJobSpec } from './job-spec';
export { interpolateSecrets, scanExpressions, shellQuote } from './expressions';
export { parseMemory } from './memory';
