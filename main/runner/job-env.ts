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
