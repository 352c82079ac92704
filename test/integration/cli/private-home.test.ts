// DSTACK_HOME is private: a home an older version made 0755 with 0644 files
// is made 0700 by the next command, and every file and folder a run writes
// (job records, logs, artifacts, runner files) is 0600/0700.
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBackend } from '../../../main/backends/index';
import type { Cli } from './cli';
import { helloProject } from './cli';
import { TEST_WORKFLOWS } from './workflows';

let cli: Cli;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ cli, dir, cleanup } = await helloProject(TEST_WORKFLOWS));
});
afterAll(() => cleanup());

async function walk(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true })) {
    const p = join(root, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

it('makes an old world-readable home 0700 and writes every new file 0600 and folder 0700', async () => {
  const home = join(dir, 'home');
  // The old way: folders 0755, files 0644, whatever the umask of this test says.
  const old = [join(home, 'local', 'storage', 'old-record.json'), join(home, 'local', 'logs', 'old.jsonl')];
  for (const f of old) {
    await mkdir(join(f, '..'), { recursive: true });
    await writeFile(f, '{}');
    await chmod(f, 0o644);
  }
  for (const d of [home, join(home, 'local'), join(home, 'local', 'storage'), join(home, 'local', 'logs')]) await chmod(d, 0o755);

  const r = await cli.run(['run', 'hello']);
  expect([r.code, r.stderr]).toEqual([0, expect.stringMatching(/ done\.\n?$/)]);

  expect(((await stat(home)).mode & 0o777).toString(8)).toBe('700');
  const created = (await walk(home)).filter((p) => !old.includes(p) && !['local', 'local/storage', 'local/logs'].includes(relative(home, p)));
  const modes = await Promise.all(created.map(async (p) => `${relative(home, p)} ${((await stat(p)).mode & 0o777).toString(8)}`));
  // The run stored its job record, its log, its artifact and its runner's files.
  expect(modes.some((m) => m.startsWith('local/runners/'))).toBe(true);
  expect(modes.some((m) => m.startsWith('local/logs/') && m.includes('.jsonl'))).toBe(true);
  expect(modes.filter((m) => !/ (600|700)$/.test(m))).toEqual([]);
});

it('makes the home private when the backend is AWS too', async () => {
  const home = join(dir, 'aws-home');
  await mkdir(home, { mode: 0o755 });
  await chmod(home, 0o755);
  const before = process.env.DSTACK_HOME;
  process.env.DSTACK_HOME = home;
  try {
    const backend = await createBackend({ type: 'aws', bucket: 'dstack-test-bucket', region: 'eu-west-1' });
    await backend.close();
  } finally {
    if (before === undefined) delete process.env.DSTACK_HOME;
    else process.env.DSTACK_HOME = before;
  }
  expect(((await stat(home)).mode & 0o777).toString(8)).toBe('700');
});
