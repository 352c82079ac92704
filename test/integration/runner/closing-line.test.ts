// Every job's log ends with one line saying how the job ended, so a saved or
// followed log tells success from failure (and why) on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './fixtures';
import { harness } from './fixtures';

const WORKFLOWS = `
workflows:
  - name: ok
    provider: bash
    commands:
      - echo fine
  - name: fails
    provider: bash
    commands:
      - echo trying
      - exit 3
`;

let h: Harness;
beforeAll(async () => {
  h = await harness(WORKFLOWS);
});
afterAll(async () => {
  await h.cleanup();
});

describe("the log's closing line", () => {
  it('says done, with the time taken, for a job that succeeded', async () => {
    const job = await h.run('ok');
    expect(job.status, job.statusReason).toBe('done');
    const last = (await h.lines(job)).at(-1)!;
    expect([last.stream, last.text]).toEqual(['system', expect.stringMatching(/^Job done in \d+ s\.$/)]);
  });

  it('says failed, with the exit code and the reason, for a job that failed', async () => {
    const job = await h.run('fails');
    expect(job.status).toBe('failed');
    const last = (await h.lines(job)).at(-1)!;
    expect(last.stream).toBe('system');
    expect(last.text).toBe(`Job failed after ${last.text.match(/after (\d+ s)/)?.[1]} (exit code 3): ${job.statusReason}`);
  });
});
