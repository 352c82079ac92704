import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiService } from '../../../main/service/api';

let home: string;
let project: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-state-'));
  project = await mkdtemp(join(tmpdir(), 'dstack-proj-'));
  await mkdir(join(project, '.dstack', 'workflows'), { recursive: true });
  await writeFile(join(project, '.dstack', 'workflows', 'a.yaml'), 'workflows:\n  - name: a\n    provider: bash\n    commands: [echo hi]\n');
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(project, { recursive: true, force: true });
});

const service = () => new ApiService({ home, version: '0', host: { transport: 'http' } });

describe('app state', () => {
  it('resumes the wizard at the saved step after a restart', async () => {
    const first = service();
    expect((await first.call('setup.get', undefined)).draft).toEqual({ step: 'backend' });
    await first.call('setup.saveDraft', { step: 'aws-region', backend: 'aws', credentials: { profile: 'work' } });
    const again = service();
    expect((await again.call('setup.get', undefined)).draft).toEqual({ step: 'aws-region', backend: 'aws', credentials: { profile: 'work' } });
  });

  it('Local is one call, and the app then counts as configured', async () => {
    const s = service();
    expect((await s.call('app.info', undefined)).configured).toBe(false);
    expect(await s.call('setup.useLocal', undefined)).toEqual({ backend: 'local', home });
    expect((await s.call('app.info', undefined)).configured).toBe(true);
    expect((await s.call('setup.get', undefined)).draft.step).toBe('done');
  });

  it('remembers opened projects, most recent first, and their ids stay valid after a restart', async () => {
    const s = service();
    const p = await s.call('projects.open', { path: project });
    expect(p!.name).toBe(project.split('/').pop());
    const again = service();
    expect(await again.call('projects.recent', undefined)).toEqual([p]);
    const wf = await again.call('projects.workflows', { projectId: p!.id });
    expect(wf.workflows.map((w) => w.name)).toEqual(['a']);
  });

  it('shows invalid workflow files with file and line', async () => {
    await writeFile(join(project, '.dstack', 'workflows', 'b.yaml'), 'workflows:\n  - name: b\n    provider: nope\n');
    const s = service();
    const p = await s.call('projects.open', { path: project });
    const { errors } = await s.call('projects.workflows', { projectId: p!.id });
    expect(errors[0]).toMatchObject({ file: '.dstack/workflows/b.yaml', line: 3 });
  });

  it('opening a missing folder names it', async () => {
    await expect(service().call('projects.open', { path: join(project, 'nope') })).rejects.toThrow(/No folder at .*nope/);
  });
});
