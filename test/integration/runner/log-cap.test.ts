// A job that prints past its log cap: the stored log stops at the cap with
// one closing line, and the job runs on to its end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Harness } from './fixtures';
import { harness } from './fixtures';

const CAP_MB = 0.05;
const CAP = Math.floor(CAP_MB * 1024 * 1024);

const WORKFLOWS = `
workflows:
  - name: chatty
    provider: bash
    env:
      DSTACK_LOG_CAP_MB: ${CAP_MB}
    commands:
      - for i in $(seq 1 3000); do echo "line $i $(printf '%080d' $i)"; done
      - echo "to stderr too" >&2
      - echo "still running after the cap" > "$LOG_CAP_MARKER"
  - name: bad-cap
    provider: bash
    env:
      DSTACK_LOG_CAP_MB: lots
    commands:
      - echo fine
`;

let h: Harness;
let marker: string;
beforeAll(async () => {
  h = await harness(WORKFLOWS);
  // The process executor passes the runner's environment on: the job's last command writes here.
  marker = join(h.dir, 'after-cap.txt');
  process.env.LOG_CAP_MARKER = marker;
});
afterAll(async () => {
  delete process.env.LOG_CAP_MARKER;
  await h.cleanup();
});

describe('log cap', () => {
  it('stores output up to the cap, ends with one closing line, and lets the job finish', async () => {
    const job = await h.run('chatty');
    expect(job.status, job.statusReason).toBe('done');
    const lines = await h.lines(job);
    const output = lines.filter((l) => l.stream !== 'system');
    const stored = output.reduce((n, l) => n + Buffer.byteLength(l.text) + 1, 0);
    expect(stored).toBeLessThanOrEqual(CAP);
    // The cap is reached, not merely approached: the next 90-byte line would have crossed it.
    expect(stored).toBeGreaterThan(CAP - 100);
    // The cap's line follows the last stored output; only the runner's own lines (the job's closing line) come after it.
    const capAt = lines.findIndex((l) => l.text.startsWith('Log cap of'));
    expect(lines[capAt]?.stream).toBe('system');
    expect(lines[capAt]?.text).toBe('Log cap of 0.05 MB reached; further output is discarded. Raise it with `DSTACK_LOG_CAP_MB: <MB>` under the workflow\'s env.');
    expect(lines.slice(capAt + 1).every((l) => l.stream === 'system')).toBe(true);
    expect(lines.at(-1)?.text).toMatch(/^Job done in \d+ s\.$/);
    expect(lines.map((l) => l.text)).not.toContain('to stderr too');
    // The job ran on past the cap: its last command wrote the marker.
    expect(await readFile(marker, 'utf8')).toBe('still running after the cap\n');
  });

  it('says so in the log when the cap is not a number, and keeps the default', async () => {
    const job = await h.run('bad-cap');
    expect(job.status, job.statusReason).toBe('done');
    const texts = (await h.lines(job)).map((l) => l.text);
    expect(texts[0]).toBe('DSTACK_LOG_CAP_MB is "lots", not a positive number of megabytes; the log cap stays at 100 MB. Write e.g. DSTACK_LOG_CAP_MB: 500.');
    expect(texts).toContain('fine');
  });
});
