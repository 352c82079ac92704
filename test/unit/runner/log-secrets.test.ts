// Secrets in a job's output, through the real log writer into a real log
// file, from a real bash: a multi-line value and one across the line cut.
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalLogSink } from '../../../main/backends/local/log-sink';
import type { LogEvent, LogSink } from '../../../main/core/backend';
import { LogWriter, pumpLines } from '../../../main/runner/log-writer';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-log-secrets-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** Runs `script` in bash with S set, pipes its output through a LogWriter, returns the stored lines. */
async function storedLog(script: string, secret: string): Promise<string[]> {
  const path = join(dir, 'job.jsonl');
  const writer = new LogWriter(await LocalLogSink.open(path));
  writer.setMasks([secret]);
  const child = spawn('bash', ['-c', script], { env: { ...process.env, S: secret }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  await Promise.all([pumpLines(child.stdout, 'stdout', writer), pumpLines(child.stderr, 'stderr', writer)]);
  expect(await exited).toBe(0);
  await writer.close();
  const text = await readFile(path, 'utf8');
  return text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
}

/** Every piece of the secret that would give it away: its lines, and each 12-character stretch of it. */
function fragments(secret: string): string[] {
  const out = new Set(secret.split('\n').map((l) => l.trim()).filter((l) => l.length >= 4));
  const flat = secret.replace(/\s+/g, '');
  for (let i = 0; i + 12 <= flat.length; i++) out.add(flat.slice(i, i + 12));
  return [...out];
}

function expectNoFragment(lines: string[], secret: string): void {
  const all = lines.join('\n');
  const leaked = fragments(secret).filter((f) => all.includes(f) || lines.some((l) => l.includes(f)));
  expect(leaked, `secret fragments in the stored log:\n${leaked.slice(0, 5).join('\n')}`).toEqual([]);
}

function pem(): string {
  const body = randomBytes(600).toString('base64');
  const rows = body.match(/.{1,64}/g)!;
  return ['-----BEGIN OPENSSH PRIVATE KEY-----', ...rows, '-----END OPENSSH PRIVATE KEY-----'].join('\n');
}

describe('secrets in the job log', () => {
  it('masks a multi-line secret printed whole, line by line and indented', async () => {
    const key = pem();
    const lines = await storedLog('echo "$S"; echo between; while IFS= read -r l; do echo "  > $l"; done <<< "$S"; echo "$S" >&2; echo end', key);
    expectNoFragment(lines, key);
    expect(lines).toContain('between');
    expect(lines).toContain('end');
    expect(lines.filter((l) => l.includes('***')).length).toBeGreaterThan(10);
  });

  it('masks a secret that straddles the 64 KiB line cut, and one split across pipe chunks', async () => {
    const secret = `tok_${randomBytes(30).toString('hex')}`;
    // 65,530 characters, then the secret: the cut at 65,536 falls inside it.
    const lines = await storedLog('head -c 65530 /dev/zero | tr "\\0" x; printf "%s" "$S"; head -c 70000 /dev/zero | tr "\\0" y; echo; echo done', secret);
    expectNoFragment(lines, secret);
    expect(lines.join('')).toContain('x***y');
    expect(lines.at(-1)).toBe('done');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(64 * 1024);
  });

  it('masks a secret split across two chunks at every possible place', async () => {
    const secret = 'sk-live-0123456789abcdef';
    for (let cut = 1; cut < secret.length; cut++) {
      const events: LogEvent[] = [];
      const sink: LogSink = { write: async (e) => void events.push(...e), close: async () => undefined };
      const w = new LogWriter(sink, { maxLineBytes: 40 });
      w.setMasks([secret]);
      const text = `key=${secret};`.padStart(38, '.');
      const at = text.indexOf(secret) + cut;
      await pumpLines(Readable.from([Buffer.from(text.slice(0, at)), Buffer.from(`${text.slice(at)}\nnext\n`)]), 'stdout', w);
      await w.close();
      expect(events.map((e) => e.text), `cut after ${cut} characters`).toEqual([text.replace(secret, '***'), 'next']);
    }
  });

  it('holds back only what may start a secret, so a quiet job\'s last line shows at once', async () => {
    const events: LogEvent[] = [];
    const sink: LogSink = { write: async (e) => void events.push(...e), close: async () => undefined };
    const w = new LogWriter(sink, { flushMs: 10 });
    w.setMasks([pem()]);
    const out = new PassThrough();
    const pumped = pumpLines(out, 'stdout', w);
    out.write('epoch 1 done\n-----BEGIN is not a key\n');
    const deadline = Date.now() + 10_000;
    while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(events.map((e) => e.text), 'lines stored while the job keeps running').toEqual(['epoch 1 done', '-----BEGIN is not a key']);
    out.end();
    await pumped;
    await w.close();
  });
});
