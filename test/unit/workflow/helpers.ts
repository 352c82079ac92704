import { formatIssue, parseWorkflowText } from '../../../main/core/workflow';

export const FILE = '.dstack/workflows/hello.yaml';

/** Lines of YAML, one argument per line, so a test reads its line numbers off the call. */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** The issues a user would see for `text`, as printed lines. */
export function issueLines(text: string, file = FILE): string[] {
  return parseWorkflowText(text, file).issues.map(formatIssue);
}
