import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBackend, localBackendConfig } from '../../../main/backends/index';
import type { BackendConfig } from '../../../main/common/config';
import { InvalidArgumentError } from '../../../main/common/errors';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-index-'));
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(home, { recursive: true, force: true });
});

describe('createBackend', () => {
  it('defaults to the local backend under DSTACK_HOME, or ~/.dstack without it', () => {
    vi.stubEnv('DSTACK_HOME', home);
    expect(localBackendConfig()).toEqual({ type: 'local', home });
    vi.stubEnv('DSTACK_HOME', '');
    expect(localBackendConfig()).toEqual({ type: 'local', home: join(homedir(), '.dstack') });
  });

  it('builds the local backend, keeping everything under {home}/local', async () => {
    const backend = await createBackend(localBackendConfig(home));
    expect(backend.name).toBe('local');
    await backend.storage.put('jobs/r/x.json', '{}');
    const sink = await backend.logs.open({ repo: 'r', id: 'a-b-1,w,0' } as never);
    await sink.write([{ id: '', time: 1, stream: 'stdout', text: 'hi' }]);
    await sink.close();
    expect(await readdir(home)).toEqual(['local']);
    expect((await readdir(join(home, 'local'))).sort()).toEqual(['logs', 'storage']);
    await backend.close();
  });

  it('names an unknown backend type', async () => {
    const err = await createBackend({ type: 'azure' } as unknown as BackendConfig).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect((err as Error).message).toBe('Unknown backend "azure".');
  });
});
