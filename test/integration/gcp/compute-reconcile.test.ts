/**
 * Leaks: an app killed right after instances.insert (a real process,
 * SIGKILLed while Compute Engine has the VM but has not answered) leaves
 * its launch intent behind, and the next start's reconcile and abort end
 * the VM, exactly as on AWS.
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RunService } from '../../../main/core/runs';
import { sourceRoot } from '../../../main/node/launch';
import { waitFor } from '../../helpers/wait';
import { appBackend, config, project, useGcpStandins, ZONE } from './compute-setup';

const f = useGcpStandins();

/** Starts an app that submits one run, kills it once the VM exists and the insert is unanswered; returns the VM's name. */
async function killAfterInsert(home: string, dir: string): Promise<string> {
  let release = (): void => undefined;
  f.gce.holdInserts = new Promise<void>((r) => (release = r));
  const bundle = join(f.work, 'runner.mjs');
  await writeFile(bundle, 'console.log("runner")\n');
  const script = join(f.work, 'app.mts');
  await writeFile(
    script,
    [
      `import { createGcpBackend } from ${JSON.stringify(join(sourceRoot, 'main', 'backends', 'gcp', 'index.ts'))};`,
      `import { RunService } from ${JSON.stringify(join(sourceRoot, 'main', 'core', 'runs.ts'))};`,
      `const e = JSON.parse(process.env.STANDINS!);`,
      `const backend = createGcpBackend(${JSON.stringify(config)}, { endpoints: e.endpoints, tokens: async () => e.token, home: e.home, runnerBundle: e.bundle, env: {} });`,
      `await new RunService(backend as never).submit(e.dir, 'train');`,
      `console.log('submitted: the kill came too late');`,
      '',
    ].join('\n'),
  );
  const standins = { endpoints: { storage: f.gcs.endpoint, compute: f.gce.endpoint, logging: f.logging.endpoint, secretManager: f.sm.endpoint }, token: f.gcs.token, home, bundle, dir };
  const app = spawn(process.execPath, ['--import', 'tsx', script], { cwd: sourceRoot, env: { ...process.env, STANDINS: JSON.stringify(standins) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  app.stdout.on('data', (d: Buffer) => (out += d.toString()));
  app.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => app.once('exit', () => r()));
  try {
    const before = f.gce.inserts.length;
    await waitFor('the app\'s instances.insert to reach Compute Engine', () => ({ inserts: f.gce.inserts.length - before, exitCode: app.exitCode, out }), (s) => s.inserts === 1 || s.exitCode !== null);
    expect(app.exitCode, out).toBeNull();
    app.kill('SIGKILL');
    await exited;
    return f.gce.inserts.at(-1)!.body.name as string;
  } finally {
    if (app.exitCode === null) app.kill('SIGKILL');
    f.gce.holdInserts = undefined;
    release();
  }
}

it('keeps the VM of an app killed after instances.insert while its run may still start, and deletes it when the run is aborted', async () => {
  const home = join(f.work, 'home');
  const name = await killAfterInsert(home, await project(f.work, ['echo hi']));
  expect(f.gce.instances.has(`${ZONE}/${name}`)).toBe(true);
  // The intent was written before the insert, and never settled.
  const ledger = await readFile(join(home, 'gcp-ledger.jsonl'), 'utf8');
  expect(ledger.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event: string; name: string }).event)).toEqual(['intent']);
  expect(ledger).toContain(`"name":"${name}"`);

  const backend = appBackend(f, home, { runnerBundle: join(f.work, 'runner.mjs') });
  const runs = new RunService(backend);
  const deletes = f.gce.deletes.length;
  await backend.compute.reconcile();
  // The run is still submitted: its VM would run it, so it stays.
  expect(f.gce.deletes.length).toBe(deletes);
  const items = (f.gce.inserts.at(-1)!.body.metadata as { items: { key: string; value: string }[] }).items;
  const job = await runs.jobs.require(items.find((i) => i.key === 'dstack-repo')!.value, items.find((i) => i.key === 'dstack-job')!.value);
  expect(job.status).toBe('submitted');
  const end = await runs.stop(job.repo, job.runName, { abort: true });
  expect(end).toMatchObject({ status: 'aborted', statusReason: `Aborted before the runner started; VM ${name} was deleted.` });
  expect(f.gce.instances.has(`${ZONE}/${name}`)).toBe(false);
  expect(f.gce.deletes.slice(deletes)).toEqual([`${ZONE}/${name}`]);
  // Nothing is left behind for the next reconcile.
  await backend.compute.reconcile();
  expect(f.gce.deletes.length).toBe(deletes + 1);
  expect((await backend.storage.list('launches/')).objects).toEqual([]);
});

it('deletes, on the next start, the VM of a killed app whose run is gone, by the intent\'s name even before the listing shows it', async () => {
  const home = join(f.work, 'home');
  const name = await killAfterInsert(home, await project(f.work, ['echo hi']));
  const backend = appBackend(f, home, { runnerBundle: join(f.work, 'runner.mjs') });
  // The run was removed (its records are gone), and the label listing lags the fresh VM.
  const records = (await backend.storage.list('jobs/')).objects.map((o) => o.key);
  await backend.storage.delete(records);
  f.gce.hidden.add(name);
  try {
    await backend.compute.reconcile();
  } finally {
    f.gce.hidden.delete(name);
  }
  expect(f.gce.deletes).toContain(`${ZONE}/${name}`);
  expect(f.gce.instances.has(`${ZONE}/${name}`)).toBe(false);
  expect((await backend.storage.list('launches/')).objects).toEqual([]);
  expect(await readFile(join(home, 'gcp-ledger.jsonl'), 'utf8')).toMatch(/"event":"done"/);
});
