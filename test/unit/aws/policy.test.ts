import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyDocumentFor, policyFor, policyTemplate } from '../../../main/backends/aws/policy';
import { sourceRoot } from '../../../main/node/launch';

const SEED_PAGE = join(sourceRoot, '..', 'shared', 'seed-aws-backend.md');

/** The ```json block of the seed page, with the admonition's indentation removed. */
function pageBlock(): string {
  const md = readFileSync(SEED_PAGE, 'utf8');
  const m = /```json\n([\s\S]*?)\n\s*```/.exec(md);
  if (!m) throw new Error('no json block on the seed page');
  return m[1]!
    .split('\n')
    .map((l) => (l.startsWith('    ') ? l.slice(4) : l))
    .join('\n');
}

describe('IAM policy template', () => {
  // The seed page sits beside the checkout on developers' machines, not in a
  // clean clone: there the bundled copy alone is what the other tests check.
  it.skipIf(!existsSync(SEED_PAGE))('is the seed page block, verbatim (skipped where ../shared/seed-aws-backend.md is absent)', () => {
    const bundled = readFileSync(join(sourceRoot, 'main', 'backends', 'aws', 'policy-template.json'), 'utf8');
    expect(bundled.trimEnd()).toBe(pageBlock().trimEnd());
    expect(policyTemplate()).toEqual(JSON.parse(pageBlock()));
  });

  it('fills in {bucket_name} and {bucket_name_under_score} as the page describes', () => {
    const doc = policyDocumentFor('dstack-142421590066-eu-west-1');
    const text = policyFor('dstack-142421590066-eu-west-1');
    expect(text).not.toMatch(/\{bucket_name/);
    expect(JSON.parse(text)).toEqual(doc);
    const resources = doc.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    expect(resources).toContain('arn:aws:s3:::dstack-142421590066-eu-west-1/*');
    expect(resources).toContain('arn:aws:iam::*:role/dstack_role_dstack_142421590066_eu_west_1*');
    expect(resources).toContain('arn:aws:logs:*:*:log-group:/dstack/jobs/dstack-142421590066-eu-west-1*:*');
    const cond = doc.Statement.find((s) => s.Condition)!.Condition!;
    expect(cond).toEqual({ StringEquals: { 'aws:ResourceTag/dstack_bucket': 'dstack-142421590066-eu-west-1' } });
  });
});
