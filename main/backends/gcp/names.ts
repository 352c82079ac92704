/**
 * Names of what the GCP backend keeps outside the bucket: a log per job and
 * a secret per repo and name. Each carries the bucket, so two dstack setups
 * in one project never see each other's, and a short hash of the repo,
 * because repo names hold characters neither Cloud Logging nor Secret
 * Manager allow in a name (`/`, `:`), and the hash keeps repos apart where
 * a character-for-character rewrite could make two of them one.
 */
import { createHash } from 'node:crypto';

export function sha8(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 8);
}

/** Letters, digits, `_` and `-` are allowed in both services; anything else becomes `_`. */
function safe(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}

export const gcpNames = {
  /** A log ID (at most 512 characters of `[A-Za-z0-9/_.-]`); the job ID's hash keeps `a,b` and `a_b` apart. */
  jobLog: (bucket: string, repo: string, jobId: string) => `dstack.${safe(bucket)}.${sha8(repo)}.${safe(jobId).slice(0, 200)}.${sha8(jobId)}`,
  /** Every secret of one repo in one bucket starts with this. */
  secretPrefix: (bucket: string, repo: string) => `dstack-${safe(bucket)}-${sha8(`${bucket}\n${repo}`)}-`,
  /** A secret ID (at most 255 characters of `[A-Za-z0-9_-]`). */
  secret: (bucket: string, repo: string, name: string) => `${gcpNames.secretPrefix(bucket, repo)}${name}`,
};

/** Labels on every secret: what a person sees in the console, and what the listing filters on. */
export function secretLabels(bucket: string, repo: string): Record<string, string> {
  const label = (s: string) => s.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 63);
  return { 'dstack-bucket': label(bucket), 'dstack-repo': sha8(`${bucket}\n${repo}`) };
}
