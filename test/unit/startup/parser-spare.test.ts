// `dstack run` starts the workflow parser's thread before it needs it
// (startParser), so the thread loads while the command loads its backend,
// when the project's files are too large to parse on the command's thread.
// The spare must be the worker the next parse uses, and must never keep a
// process alive that ends up not parsing anything.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IN_THREAD_CHARS, parseFilesOffThread, startParser } from '../../../main/core/workflow/parse-off-thread';

const ROOT = join(import.meta.dirname, '..', '..', '..');
/** A comment that makes a file too large to parse without the worker. */
const PAD = `# ${'-'.repeat(IN_THREAD_CHARS)}\n`;

describe('the spare parser thread', () => {
  it('parses the next files, with their issues, as a fresh worker would', async () => {
    startParser();
    const [ok, bad] = await parseFilesOffThread([
      { file: 'a.yaml', text: `${PAD}workflows:\n  - name: hello\n    commands: [echo hi]\n` },
      { file: 'b.yaml', text: `${PAD}workflows: 3\n` },
    ]);
    expect(ok?.issues).toEqual([]);
    expect(ok?.entries.map((e) => e.name)).toEqual(['hello']);
    expect(bad?.issues.map((i) => i.file)).toEqual(['b.yaml']);
  }, 60_000);

  it('does not keep a process alive when nothing parses', async () => {
    const script = `import(${JSON.stringify(join(ROOT, 'main', 'core', 'workflow', 'parse-off-thread.ts'))}).then((m) => { m.startParser(); console.log('started'); });`;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    // Far below the worker's 60 s start limit, which a held timer would wait out; generous for a loaded machine.
    const deadline = 60_000;
    const code = await new Promise<number | null | 'still running'>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('still running');
      }, deadline);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect({ code, out, err }).toEqual({ code: 0, out: 'started\n', err: '' });
  }, 120_000);
});
