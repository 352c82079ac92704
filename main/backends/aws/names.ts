/**
 * Every AWS name the backend derives from the bucket, in one place. The seed
 * page's IAM policy matches resources by these exact prefixes, so a name that
 * drifts from them would turn into an AccessDenied at the user's first run.
 */
import { createHash } from 'node:crypto';

/** `{bucket_name_under_score}` as the seed page defines it: dashes become underscores. */
export function underscore(bucket: string): string {
  return bucket.replace(/-/g, '_');
}

/** 8 hex digits of a repo id: the suffix of its instance role, whose name must stay short (IAM allows 64 characters). */
export function repoHash(repo: string): string {
  return createHash('sha256').update(repo).digest('hex').slice(0, 8);
}

export const names = {
  role: (bucket: string) => `dstack_role_${underscore(bucket)}`,
  policy: (bucket: string) => `dstack_policy_${underscore(bucket)}`,
  /**
   * One instance role (and profile, and policy) per repo, so a job's instance
   * can read only its own project's secrets. The names extend the bucket's,
   * which the seed policy's trailing `*` allows.
   */
  repoRole: (bucket: string, repo: string) => `dstack_role_${underscore(bucket)}_${repoHash(repo)}`,
  repoPolicy: (bucket: string, repo: string) => `dstack_policy_${underscore(bucket)}_${repoHash(repo)}`,
  /**
   * The permission check's own role and profile (one name for both): no
   * policy, EC2 trust only, never given to an instance; it exists so a dry
   * run can name a profile and EC2 checks iam:PassRole (setup/passrole-probe.ts).
   */
  checkRole: (bucket: string) => `dstack_role_${underscore(bucket)}_check`,
  /** The instance profile shares the role's name, which the policy's PassRole pattern relies on. */
  instanceProfile: (bucket: string) => `dstack_role_${underscore(bucket)}`,
  securityGroup: (bucket: string, ports = 0) => (ports > 0 ? `dstack_sg_${bucket}_ports${ports}` : `dstack_sg_${bucket}`),
  jobLogGroup: (bucket: string, repo: string) => `/dstack/jobs/${bucket}/${logSafe(repo)}`,
  runnerLogGroup: (bucket: string) => `/dstack/runners/${bucket}`,
  secretPrefix: (bucket: string, repo: string) => `/dstack/${bucket}/secrets/${repo}/`,
  secret: (bucket: string, repo: string, name: string) => `/dstack/${bucket}/secrets/${repo}/${name}`,
};

/** Tag keys on every instance, volume and spot request; TerminateInstances is allowed only on `dstack_bucket`. */
export const tags = {
  bucket: 'dstack_bucket',
  run: 'dstack_run',
  job: 'dstack_job',
  repo: 'dstack_repo',
} as const;

/**
 * Log group and stream names allow only `[A-Za-z0-9_\-/.#]`; anything else
 * in a repo id becomes `_` so the group name stays under the policy prefix.
 */
export function logSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9_\-/.#]/g, '_');
}

/** Stream names refuse `:` and `*`. */
export function streamSafe(s: string): string {
  return s.replace(/[:*]/g, '_');
}
