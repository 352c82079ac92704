// The runner prepares a job's work folder (code, deps, cache) while it
// stores the job's `downloading` status, instead of after: a slow status
// write (fsync on a busy disk, a round trip to S3) no longer adds to the
// time before the job's first line. The job still ends as before.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../main/core/keys';
import { workdirOf } from '../../../main/runner/workspace';
import type { Harness } from '../runner/fixtures';
import { harness } from '../runner/fixtures';
import { waitFor } from '../../helpers/wait';

let h: Harness;
beforeAll(async () => {
  h = await harness('workflows:\n  - name: quick\n    provider: bash\n    commands:\n      - echo first\n');
});
afterAll(() => h.cleanup());

/** Holds every write of the job record that stores `status`, until released. */
function holdStatusWrite(status: string): { held: () => boolean; release: () => void } {
  const storage = h.backend.storage;
  const put = storage.put.bind(storage);
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let held = false;
  storage.put = async (key, body, condition) => {
    if (key.startsWith('jobs/') && key.endsWith('.json') && String(body).includes(`"status": "${status}"`)) {
      held = true;
      await gate;
    }
    return put(key, body, condition);
  };
  return { held: () => held, release: () => open() };
}

describe('runner start', () => {
  it('unpacks the code while the `downloading` status is still being stored', async () => {
    const hold = holdStatusWrite('downloading');
    const { job, handle } = await h.start('quick');
    const workdir = workdirOf(join(h.dir, 'work'), job);
    try {
      const files = await waitFor(
        'the job\'s code in its work folder while its `downloading` status write is held',
        () => readdir(workdir).catch(() => [] as string[]),
        (names) => names.includes('.dstack'),
        { timeoutMs: 60_000 },
      );
      expect(files).toContain('.dstack');
      expect(hold.held()).toBe(true);
    } finally {
      hold.release();
    }
    const done = await handle.done;
    expect(done.status).toBe('done');
    expect((await h.lines(job)).map((e) => e.text)).toContain('first');
    expect((await h.backend.storage.get(keys.jobRecord(h.repo, job.id)))?.toString()).toContain('"status": "done"');
  });
});
