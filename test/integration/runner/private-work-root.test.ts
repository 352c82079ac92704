// The runner's work root is private to its user: another local user cannot
// plant code there for a job to run, and a root that is a link, foreign or
// readable by others is fixed or refused before anything is written into it.
import { spawn } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { create } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../main/common/job';
import type { Harness } from './fixtures';
import { harness } from './fixtures';

const BIN = resolve(import.meta.dirname, '..', '..', '..', 'main', 'cli', 'dstack.js');

let h: Harness;
beforeAll(async () => {
  h = await harness(`
workflows:
  - name: step
    provider: bash
    commands:
      - sh ./step.sh
`);
  await writeFile(join(h.project, 'step.sh'), 'echo genuine step\n');
  // Incompressible bytes make the real snapshot bigger than the attacker's tar, which is padded to its size.
  await writeFile(join(h.project, 'noise.bin'), randomBytes(16_384));
});
afterAll(() => h.cleanup());

function runnerProcess(job: Job, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const config = JSON.stringify({ type: 'local', home: join(h.dir, 'home') });
  const child = spawn(process.execPath, [BIN, 'runner', '--config', config, '--repo', job.repo, '--job', job.id], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stderr })));
}

async function texts(job: Job): Promise<string[]> {
  return (await h.lines(job)).map((e) => e.text);
}

describe('the work root', () => {
  it('does not run code another user planted as a partial download in the shared temp folder', async () => {
    const job = await h.service.submit(h.project, 'step');
    const size = (await h.backend.storage.head(job.code.key))!.size;
    // The attacker: a shared `$TMPDIR/dstack-jobs` made first, with the job's partial tarball a link to its own tar of the right size.
    const shared = join(h.dir, 'shared-tmp');
    const evil = join(h.dir, 'evil');
    await mkdir(join(shared, 'dstack-jobs'), { recursive: true, mode: 0o777 });
    await mkdir(evil, { recursive: true });
    const marker = join(h.dir, 'attacker-ran');
    await writeFile(join(evil, 'step.sh'), `echo PWNED; touch ${marker}\n`);
    const tarPath = join(evil, 'evil.tar');
    await create({ file: tarPath, cwd: evil }, ['step.sh']);
    const tar = await readFile(tarPath);
    expect(tar.length).toBeLessThan(size);
    await writeFile(tarPath, Buffer.concat([tar, Buffer.alloc(size - tar.length)]));
    const safe = job.id.replace(/[^A-Za-z0-9._-]/g, '_');
    await symlink(tarPath, join(shared, 'dstack-jobs', `${safe}.code.tar.gz.part`));

    const r = await runnerProcess(job, { TMPDIR: shared });
    expect(r).toEqual({ code: 0, stderr: '' });
    const lines = await texts(job);
    expect(lines).toContain('genuine step');
    expect(lines).not.toContain('PWNED');
    await expect(stat(marker)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await h.service.get(h.repo, job.runName)).status).toBe('done');
  });

  it('is created 0700 under DSTACK_HOME by the runner program', async () => {
    const job = await h.service.submit(h.project, 'step');
    expect(await runnerProcess(job, {})).toEqual({ code: 0, stderr: '' });
    const root = await lstat(join(h.dir, 'home', 'local', 'work'));
    expect({ dir: root.isDirectory(), mode: (root.mode & 0o777).toString(8), uid: root.uid }).toEqual({ dir: true, mode: '700', uid: process.getuid!() });
  });

  it('takes group and other access away from a root that had it', async () => {
    const root = join(h.dir, 'open-root');
    await mkdir(root, { mode: 0o755 });
    await chmod(root, 0o777);
    const job = await h.run('step', { workRoot: root });
    expect([job.status, job.statusReason]).toEqual(['done', undefined]);
    expect(((await lstat(root)).mode & 0o777).toString(8)).toBe('700');
  });

  it('refuses a root that is a symbolic link, naming it and the fix', async () => {
    const target = join(h.dir, 'elsewhere');
    await mkdir(target, { mode: 0o777 });
    const root = join(h.dir, 'link-root');
    await symlink(target, root);
    const job = await h.run('step', { workRoot: root });
    expect(job.status).toBe('failed');
    expect(job.statusReason).toBe(
      `The work folder ${root} is a symbolic link; dstack keeps it private and will not use it. Remove the link (rm ${root}) and run again: dstack then creates a private folder there.`,
    );
    expect(await texts(job)).not.toContain('genuine step');
  });

  it('refuses a root that belongs to another user', async () => {
    const root = join(h.dir, 'foreign-root');
    await mkdir(root, { mode: 0o700 });
    // Needs root to give the folder away; CI and this machine run tests as root.
    expect(process.getuid!(), 'this test gives a folder to another user, which needs root').toBe(0);
    await chown(root, 65534, 65534);
    const job = await h.run('step', { workRoot: root });
    expect(job.status).toBe('failed');
    expect(job.statusReason).toMatch(new RegExp(`^The work folder ${root} belongs to user 65534, not to you \\(user 0\\); dstack keeps it private`));
  });
});
