/**
 * The seed page's IAM policy template, bundled verbatim in
 * `policy-template.json` (a unit test compares it with the page). The wizard
 * shows it filled in for the chosen bucket, ready to copy, and the tests
 * check every AWS action the app calls against it: the app may need nothing
 * the page does not grant.
 */
import template from './policy-template.json';
import { underscore } from './names';

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

/** The template as the page prints it, placeholders included. */
export function policyTemplate(): PolicyDocument {
  return structuredClone(template) as PolicyDocument;
}

function fill<T>(value: T, bucket: string): T {
  if (typeof value === 'string') {
    // `{bucket_name_under_score}` first: `{bucket_name}` is not a substring of it, but order keeps intent obvious.
    return value.split('{bucket_name_under_score}').join(underscore(bucket)).split('{bucket_name}').join(bucket) as T;
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, bucket)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, bucket)])) as T;
  }
  return value;
}

/** The template with `{bucket_name}` and `{bucket_name_under_score}` replaced, as the page instructs. */
export function policyDocumentFor(bucket: string): PolicyDocument {
  return fill(policyTemplate(), bucket);
}

/** The filled-in policy as pretty JSON, for the wizard's copy button. */
export function policyFor(bucket: string): string {
  return JSON.stringify(policyDocumentFor(bucket), null, 2);
}
