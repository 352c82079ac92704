// A followed log whose reads fail, over the real local backend: a read that
// may pass on its own is retried and the log goes on with no line lost or
// doubled; a log file that cannot be read (here a folder where the file
// should be: we run as root, so chmod 000 would not stop a read) ends the
// follow with one error naming the file and the fix, in core and in the
// app's event stream, instead of ending quietly as if the log were complete.
import { mkdir, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvents } from '../../../main/common/api/operations';
import { DstackError } from '../../../main/common/errors';
import type { Job } from '../../../main/common/job';
import { EventHub } from '../../../main/service/events';
import { followLogs } from '../../../main/service/logs-follow';
import { waitFor } from '../../helpers/wait';
import type { Harness } from '../runner/fixtures';
import { harness } from '../runner/fixtures';

const WORKFLOWS = `
workflows:
  - name: three
    provider: bash
    commands:
      - echo one; echo two; echo three
`;

let h: Harness;
beforeAll(async () => {
  h = await harness(WORKFLOWS);
});
afterAll(() => h.cleanup());

async function finishedRun(): Promise<Job> {
  const job = await h.run('three');
  expect(job.status, `statusReason: ${job.statusReason}`).toBe('done');
  return job;
}

/** Follows the run's log through core; the stdout lines it got, and the error it ended with. */
async function follow(job: Job, onLines: () => void = () => undefined): Promise<{ lines: string[]; error: unknown }> {
  const lines: string[] = [];
  try {
    for await (const batch of await h.service.logs(h.repo, job.runName, { follow: true })) {
      onLines();
      lines.push(...batch.filter((e) => e.stream === 'stdout').map((e) => e.text));
    }
    return { lines, error: undefined };
  } catch (error) {
    return { lines, error };
  }
}

/**
 * Once armed (after the log's lines have come), makes storage reads (the
 * follower's "has the job ended?") fail `times` times, all of them when
 * Infinity, with a network error, as S3 does when the link drops.
 */
function failStorageReads(times: number): { arm: () => void; calls: () => number; restore: () => void } {
  const storage = h.backend.storage;
  const get = storage.get.bind(storage);
  let armed = false;
  let calls = 0;
  storage.get = async (key) => {
    if (armed && calls++ < times) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    return get(key);
  };
  return { arm: () => void (armed = true), calls: () => calls, restore: () => void (storage.get = get) };
}

describe('following a log whose reads fail', () => {
  it('retries a failing read and shows every line once', async () => {
    const job = await finishedRun();
    const broken = failStorageReads(2);
    try {
      const { lines, error } = await follow(job, broken.arm);
      expect(error, String(error)).toBeUndefined();
      expect(lines).toEqual(['one', 'two', 'three']);
      expect(broken.calls(), 'the two failed reads, then the one that passed').toBe(3);
    } finally {
      broken.restore();
    }
  });

  it('gives up after 5 failed reads in a row, with one error saying so and the fix', async () => {
    const job = await finishedRun();
    const broken = failStorageReads(Infinity);
    try {
      const { lines, error } = await follow(job, broken.arm);
      expect(lines, 'the lines read before the failures are kept').toEqual(['one', 'two', 'three']);
      expect(error).toBeInstanceOf(DstackError);
      expect((error as DstackError).toLine()).toBe(
        `Cannot read the log of run ${job.runName}: read ECONNRESET (5 reads in a row failed). Check that the backend's storage is reachable, then run \`dstack logs ${job.runName}\` again.`,
      );
      expect(broken.calls()).toBe(5);
    } finally {
      broken.restore();
    }
  }, 60_000);

  it('ends at once with an error naming the log file when it is a folder', async () => {
    const job = await finishedRun();
    const path = h.backend.logs.pathOf(job);
    await rm(path);
    await mkdir(path);
    const logs = h.backend.logs;
    const read = logs.read.bind(logs);
    let reads = 0;
    logs.read = (...args) => {
      reads++;
      return read(...args);
    };
    const { lines, error } = await follow(job).finally(() => void (logs.read = read));
    expect(lines).toEqual([]);
    expect(error).toBeInstanceOf(DstackError);
    expect((error as DstackError).toLine()).toBe(
      `Cannot read the log of run ${job.runName}: The log file ${path} cannot be read: it is a folder, not a file. ` +
        `Make ${path} a readable file again (move what is there away, or fix its permissions), then follow the log again.`,
    );
    expect(reads, 'no retry for an error no retry fixes').toBe(1);
  });

  it('sends the error with the last event of the app\'s log stream', async () => {
    const job = await finishedRun();
    const path = h.backend.logs.pathOf(job);
    await rm(path);
    await mkdir(path);
    const hub = new EventHub();
    const seen: ApiEvents['logs.lines'][] = [];
    hub.listen((event, payload) => {
      if (event === 'logs.lines') seen.push(payload as ApiEvents['logs.lines']);
    });
    await followLogs(hub, h.service, h.repo, job.runName);
    const last = await waitFor('the follow to end', () => seen.at(-1), (e) => e?.done === true);
    expect(last?.error).toEqual({
      code: 'unavailable',
      message: `Cannot read the log of run ${job.runName}: The log file ${path} cannot be read: it is a folder, not a file.`,
      fix: `Make ${path} a readable file again (move what is there away, or fix its permissions), then follow the log again.`,
    });
  });
});
