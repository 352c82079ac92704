// Jobs at the edges of what the runner moves, over the real local backend
// with real bash processes: links among the artifacts, a command longer than
// one argv string may be, and a project file that compresses extremely well.
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../main/core/keys';
import type { Harness } from './fixtures';
import { harness } from './fixtures';

/** Past Linux's 128 KiB limit on one argv string (MAX_ARG_STRLEN), which `bash -c <script>` hit. */
const LONG = 'x'.repeat(200 * 1024);
const ZEROS = 20 * 1024 * 1024;

const WORKFLOWS = `
workflows:
  - name: links
    provider: bash
    commands:
      - mkdir -p output/sub
      - echo real > output/real.txt
      - ln -s real.txt output/link.txt
      - ln -s /etc/passwd output/sub/outside
      - ln -s ../sub output/loop
    artifacts:
      - path: output
  - name: shrinking-cache
    provider: bash
    commands:
      - mkdir -p cache/sub
      - if [ -f cache/sub/old.txt ]; then rm cache/sub/old.txt; echo second; else echo first > cache/sub/old.txt; echo first; fi
      - echo kept > cache/kept.txt
      - ln -sfn kept.txt cache/link.txt
    cache:
      - path: cache
  - name: long-command
    provider: bash
    commands:
      - X=${LONG}; echo "length \${#X}"
  - name: zeros
    provider: bash
    commands:
      - echo "size $(stat -c %s zeros.bin) sha256 $(sha256sum < zeros.bin | cut -d' ' -f1)"
`;

let h: Harness;
beforeAll(async () => {
  h = await harness(WORKFLOWS);
  await writeFile(join(h.project, 'zeros.bin'), Buffer.alloc(ZEROS));
});
afterAll(() => h.cleanup());

async function outputOf(workflow: string) {
  const job = await h.run(workflow);
  const lines = await h.lines(job);
  return { job, lines, text: (stream: string) => lines.filter((e) => e.stream === stream).map((e) => e.text) };
}

describe('runner edges', () => {
  it('stores the regular files among the artifacts and says in the log which links it skipped', async () => {
    const { job, text } = await outputOf('links');
    expect(job.status, `statusReason: ${job.statusReason}`).toBe('done');
    const skipped = text('system').filter((t) => t.startsWith('Skipped'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/^Skipped 3 symbolic link\(s\) in the artifacts \(links are not stored; [^)]*\): /);
    expect(skipped[0]?.replace(/^.*\): /, '').replace(/\.$/, '').split(', ').sort()).toEqual(['output/link.txt', 'output/loop', 'output/sub/outside']);
    const prefix = keys.artifactsPrefix(h.repo, job.id);
    expect((await h.backend.storage.list(prefix)).objects.map((o) => o.key.slice(prefix.length))).toEqual(['output/real.txt']);
  });

  it('drops from the stored cache what the job deleted, and says which links it skipped', async () => {
    const prefix = keys.cachePrefix(h.repo, 'shrinking-cache');
    const stored = async () => (await h.backend.storage.list(prefix)).objects.map((o) => o.key.slice(prefix.length));
    const first = await outputOf('shrinking-cache');
    expect(first.text('stdout')).toEqual(['first']);
    expect(await stored()).toEqual(['cache/kept.txt', 'cache/sub/old.txt']);
    const second = await outputOf('shrinking-cache');
    expect(second.job.status, `statusReason: ${second.job.statusReason}`).toBe('done');
    expect(second.text('stdout')).toEqual(['second']);
    expect(await stored()).toEqual(['cache/kept.txt']);
    expect(second.text('system').filter((t) => t.startsWith('Skipped'))).toEqual([
      expect.stringMatching(/^Skipped 1 symbolic link\(s\) in the cache \(.*\): cache\/link\.txt\.$/),
    ]);
  });

  it('runs a command of 200 KiB', async () => {
    const { job, text } = await outputOf('long-command');
    expect(job.status, `statusReason: ${job.statusReason}; log: ${text('system').join(' | ')}`).toBe('done');
    expect(text('stdout')).toEqual([`length ${LONG.length}`]);
  });

  it('unpacks a 20 MB file of zeros from the project intact', async () => {
    const { job, text } = await outputOf('zeros');
    expect(job.status, `statusReason: ${job.statusReason}`).toBe('done');
    const sha = createHash('sha256').update(Buffer.alloc(ZEROS)).digest('hex');
    expect(text('stdout')).toEqual([`size ${ZEROS} sha256 ${sha}`]);
  });
});
