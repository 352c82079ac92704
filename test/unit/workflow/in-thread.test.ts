// Small workflow files parse on the caller's thread, without the worker's
// start (0.1-0.3 s, paid by every `dstack run`); larger ones still go to the
// worker, with its time limit (issue 9: a file built to parse slowly). A time
// limit of 0 ms tells the two apart: the worker cannot answer within it.
import { describe, expect, it } from 'vitest';
import { MAX_ALIASES, parseFile } from '../../../main/core/workflow/file';
import { IN_THREAD_CHARS, parseFilesOffThread } from '../../../main/core/workflow/parse-off-thread';

const HELLO = 'workflows:\n  - name: hello\n    provider: bash\n    commands:\n      - echo hi\n';

/** A workflow file of about `chars` characters: one workflow with as many commands as fit. */
function sized(chars: number): string {
  let text = 'workflows:\n  - name: big\n    provider: bash\n    commands:\n';
  for (let i = 0; text.length + 20 <= chars; i++) text += `      - echo ${String(i).padStart(6, '0')}\n`;
  return text;
}

/** The slowest small file found: the largest workflow that fits, then the list made of aliases to it, up to the cap. */
function amplified(chars: number): string {
  const tail = '  - *w\n'.repeat(MAX_ALIASES);
  let text = 'workflows:\n  - &w\n    name: w\n    provider: bash\n    commands:\n';
  for (let i = 0; text.length + tail.length + 40 <= chars; i++) text += `      - echo ${i} \${{ run.args }}\n`;
  return text + tail;
}

describe('where workflow files parse', () => {
  it('parses small files here, in order, with their issues, even with a 0 ms limit', async () => {
    const [ok, bad] = await parseFilesOffThread([
      { file: 'a.yaml', text: HELLO },
      { file: 'b.yaml', text: 'workflows: 3\n' },
    ], { timeoutMs: 0 });
    expect(ok?.issues).toEqual([]);
    expect(ok?.entries.map((e) => e.name)).toEqual(['hello']);
    expect(bad?.issues.map((i) => `${i.file}:${i.line}: ${i.message}`)).toEqual([
      'b.yaml:1: 3 is not a list of workflows; start each workflow with "- name:".',
    ]);
  });

  it('sends files larger than the in-thread budget together to the worker, whose time limit still applies', async () => {
    const half = sized(IN_THREAD_CHARS / 2 + 100);
    const files = [{ file: 'a.yaml', text: half }, { file: 'b.yaml', text: half }];
    const limited = await parseFilesOffThread(files, { timeoutMs: 0 });
    expect(limited.map((p) => p.issues.map((i) => i.message))).toEqual([
      ['reading the file took longer than 0 ms, so it was stopped; make it smaller or simpler (fewer aliases and anchors).'],
      ['reading the file took longer than 0 ms, so it was stopped; make it smaller or simpler (fewer aliases and anchors).'],
    ]);
    const parsed = await parseFilesOffThread(files);
    expect(parsed.map((p) => [p.issues, p.entries.map((e) => e.name)])).toEqual([[[], ['big']], [[], ['big']]]);
  }, 60_000);

  it('parses the slowest file that fits the budget quickly enough for a UI thread', () => {
    const text = amplified(IN_THREAD_CHARS);
    expect(text.length).toBeLessThanOrEqual(IN_THREAD_CHARS);
    parseFile(text, 'w.yaml');
    const started = performance.now();
    const parsed = parseFile(text, 'w.yaml');
    const ms = performance.now() - started;
    expect(parsed.issues).toEqual([]);
    expect(parsed.entries).toHaveLength(MAX_ALIASES + 1);
    // Measured 30-60 ms on the loaded 2-core machine; a worker takes longer than that just to start.
    expect(ms, `parsing took ${Math.round(ms)} ms`).toBeLessThan(500);
  });
});
