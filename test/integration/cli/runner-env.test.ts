// A local runner starts without NODE_EXTRA_CA_CERTS (Node reads that file
// before any code runs, on the way to the run's first log line, and the
// runner makes no TLS connection), and its job still gets the setting.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cli } from './cli';
import { helloProject } from './cli';

const WORKFLOW = `workflows:
  - name: show-env
    provider: bash
    commands:
      - echo "job sees=$NODE_EXTRA_CA_CERTS"
      - echo "runner holds it=$(tr "\\0" "\\n" < /proc/$PPID/environ | grep -c ^NODE_EXTRA_CA_CERTS= || true)"
`;

let project: Awaited<ReturnType<typeof helloProject>>;
let cli: Cli;
let certs: string;
beforeAll(async () => {
  project = await helloProject(WORKFLOW);
  cli = project.cli;
  certs = join(project.dir, 'extra-ca.pem');
  await writeFile(certs, '');
});
afterAll(() => project.cleanup());

describe('the local runner\'s environment', () => {
  it.runIf(process.platform === 'linux')('starts the runner without NODE_EXTRA_CA_CERTS and hands it to the job', async () => {
    const r = await cli.run(['run', 'show-env'], { env: { NODE_EXTRA_CA_CERTS: certs } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`job sees=${certs}\n`);
    expect(r.stdout).toContain('runner holds it=0\n');
  });
});
