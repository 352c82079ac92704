/**
 * What a job's commands see: the workflow's env, the repo's secrets, and
 * PORT_0… for the ports it asked for. Secrets go in as variables only; a
 * `${{ secrets.X }}` in a command becomes a reference to `$X`, so a value
 * never lands on a command line where `ps` would show it.
 */
import { createServer } from 'node:net';
import type { Job } from '../common/job';
// The expressions module alone: the runner never parses workflow files, so it skips the YAML parser.
import { interpolateSecrets } from '../core/workflow/expressions';
import { DEFAULT_LOG_CAP_BYTES } from './log-writer';

/** A port nobody listens on right now; the job binds it soon after. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function allocatePorts(count: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < count) {
    const p = await freePort();
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/** Env values may use `${{ secrets.X }}` too; they stay out of argv, so they get the value itself. */
export function jobEnv(job: Job, secrets: Record<string, string>, ports: number[]): Record<string, string> {
  const env: Record<string, string> = { ...secrets };
  for (const [k, v] of Object.entries(job.env)) env[k] = interpolateSecrets(v, secrets);
  ports.forEach((p, i) => (env[`PORT_${i}`] = String(p)));
  return env;
}

/** The job with `${{ secrets.X }}` in its commands replaced by `${X}`. */
export function withSecretRefs(job: Job): Job {
  const refs = Object.fromEntries(job.secretNames.map((n) => [n, `\${${n}}`]));
  return { ...job, commands: job.commands.map((c) => interpolateSecrets(c, refs)) };
}

/** The workflow variable that sets a job's log cap, in MB; the runner reads it, it reaches the job like any other. */
export const LOG_CAP_VAR = 'DSTACK_LOG_CAP_MB';

export interface LogCap {
  capBytes: number;
  capHint: string;
  /** Set when the variable holds no positive number: the log says so, and the default applies. */
  warning?: string;
}

/** The job's log cap: `env: { DSTACK_LOG_CAP_MB: 500 }` in the workflow, else 100 MB. */
export function logCapOf(job: Job): LogCap {
  const capHint = `\`${LOG_CAP_VAR}: <MB>\` under the workflow's env`;
  const raw = job.env[LOG_CAP_VAR];
  if (raw === undefined || raw.trim() === '') return { capBytes: DEFAULT_LOG_CAP_BYTES, capHint };
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb <= 0) {
    const warning = `${LOG_CAP_VAR} is "${raw}", not a positive number of megabytes; the log cap stays at ${DEFAULT_LOG_CAP_BYTES / (1024 * 1024)} MB. Write e.g. ${LOG_CAP_VAR}: 500.`;
    return { capBytes: DEFAULT_LOG_CAP_BYTES, capHint, warning };
  }
  return { capBytes: Math.floor(mb * 1024 * 1024), capHint };
}
