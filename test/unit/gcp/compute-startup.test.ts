import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderStartupScript, runnerConfig } from '../../../main/backends/gcp/compute-startup';
import type { Job } from '../../../main/common/job';
import { NODE_VERSION } from '../../../main/node/runner-node';

const job = { id: "it's,train,0", repo: 'acme/o\'brien', runName: 'x' } as Job;
const config = { type: 'gcp' as const, project: 'p', bucket: 'b', zone: 'us-central1-a', keyFile: '/home/me/key.json', keychainKey: 'sa@p.iam.gserviceaccount.com', serviceAccount: 'vm@p.iam.gserviceaccount.com' };

describe('the VM startup script', () => {
  it('is valid bash that quotes every value, whatever characters the job id and repo have', () => {
    const script = renderStartupScript(job, config, 'runners/0123456789abcdef/runner.mjs');
    expect(spawnSync('bash', ['-n'], { input: script }).status).toBe(0);
    const out = spawnSync('bash', ['-c', `${script.split('\n').slice(0, 9).join('\n')}\nprintf '%s\\n' "$DSTACK_JOB" "$DSTACK_REPO" "$DSTACK_RUNNER_PATH"`]);
    expect(out.stdout.toString().split('\n').slice(0, 3)).toEqual([job.id, job.repo, '/storage/v1/b/b/o/runners%2F0123456789abcdef%2Frunner.mjs?alt=media']);
    expect(script).toContain(`: "\${DSTACK_NODE_VERSION:=${NODE_VERSION}}"`);
  });

  it('hands the runner no credentials: the VM\'s service account is the credential', () => {
    expect(runnerConfig(config)).toEqual({ type: 'gcp', project: 'p', bucket: 'b', zone: 'us-central1-a', serviceAccount: 'vm@p.iam.gserviceaccount.com' });
    const script = renderStartupScript(job, config, 'k');
    expect(script).not.toContain('key.json');
    expect(script).not.toContain('keychainKey');
  });

  it('gives curl the token on stdin, never in its argv, and deletes its own VM from the metadata server\'s facts', () => {
    const script = renderStartupScript(job, config, 'k');
    expect(script).toContain(`printf 'header = "Authorization: Bearer %s"\\n' "$token"`);
    expect(script.match(/auth_header \| curl [^\n]*-K -/g)).toHaveLength(2);
    expect(script).not.toMatch(/curl [^\n]*Authorization/);
    expect(script).toContain('"$COMPUTE/compute/v1/projects/$project/zones/$zone/instances/$name"');
    expect(script).toContain("-H 'Metadata-Flavor: Google'");
  });
});
