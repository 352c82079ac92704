// The environment a job gets holds its own project's secrets and no other
// project's: real runner, real local backend (keychain), real bash.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './fixtures';
import { harness } from './fixtures';

const WORKFLOWS = `
workflows:
  - name: show-env
    provider: bash
    commands:
      - env | cut -d= -f1 | grep -E '^(TOKEN|DB_PASS|FOREIGN)$' | sort
      - '[ "$TOKEN" = "own-token-value" ] && echo token-ok'
`;

let h: Harness;
beforeAll(async () => {
  h = await harness(WORKFLOWS);
  await h.backend.secrets.set(h.repo, 'TOKEN', 'own-token-value');
  await h.backend.secrets.set(h.repo, 'DB_PASS', 'own-db-pass');
  await h.backend.secrets.set('someone-else-0badf00d', 'FOREIGN', 'not-yours');
});
afterAll(async () => {
  await h.backend.secrets.delete('someone-else-0badf00d', 'FOREIGN').catch(() => undefined);
  await h.backend.secrets.delete(h.repo, 'TOKEN').catch(() => undefined);
  await h.backend.secrets.delete(h.repo, 'DB_PASS').catch(() => undefined);
  await h.cleanup();
});

describe('secrets reach only their own project\'s jobs', () => {
  it('gives the job its repo\'s secrets as variables and no other repo\'s', async () => {
    const job = await h.run('show-env');
    expect(job.status, job.statusReason).toBe('done');
    expect(job.secretNames).toEqual(['DB_PASS', 'TOKEN']);
    const out = (await h.lines(job)).filter((l) => l.stream === 'stdout').map((l) => l.text);
    expect(out).toEqual(['DB_PASS', 'TOKEN', 'token-ok']);
  });
});
