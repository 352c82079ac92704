// Runs against the real OS keychain: use test/with-keyring.sh.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import keytar from 'keytar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalSecrets } from '../../../main/backends/local/secrets';
import { LocalStorage } from '../../../main/backends/local/storage';
import { InvalidArgumentError, NotFoundError } from '../../../main/common/errors';
import { finished, runFixture } from './fixtures/run';

let dir: string;
let storage: LocalStorage;
let secrets: LocalSecrets;
let repo: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-secrets-'));
  storage = new LocalStorage(join(dir, 'storage'));
  secrets = new LocalSecrets(storage);
  repo = `test-${randomBytes(4).toString('hex')}/app`;
});
afterEach(async () => {
  for (const c of await keytar.findCredentials('dstack-local')) {
    if (c.account.startsWith(`${repo}/`)) await keytar.deletePassword('dstack-local', c.account);
  }
  await rm(dir, { recursive: true, force: true });
});

describe('LocalSecrets', () => {
  it('keeps values in the OS keychain and only names in storage', async () => {
    await secrets.set(repo, 'HF_TOKEN', 'hf_s3cr3t');
    await secrets.set(repo, 'WANDB_KEY', 'w4ndb');
    expect(await keytar.getPassword('dstack-local', `${repo}/HF_TOKEN`)).toBe('hf_s3cr3t');
    expect(await secrets.list(repo)).toEqual(['HF_TOKEN', 'WANDB_KEY']);
    expect(await secrets.values(repo, ['WANDB_KEY', 'HF_TOKEN'])).toEqual({ WANDB_KEY: 'w4ndb', HF_TOKEN: 'hf_s3cr3t' });
    const stored = await readdir(join(dir, 'storage'), { recursive: true, withFileTypes: true });
    for (const f of stored.filter((e) => e.isFile())) {
      const body = await storage.get(join(f.parentPath, f.name).slice(join(dir, 'storage').length + 1));
      expect(body?.toString()).not.toContain('s3cr3t');
    }
  });

  it('replaces a value, and lists names without reading the keychain', async () => {
    await secrets.set(repo, 'A', 'one');
    await secrets.set(repo, 'A', 'two');
    expect(await secrets.values(repo, ['A'])).toEqual({ A: 'two' });
    await keytar.deletePassword('dstack-local', `${repo}/A`);
    expect(await secrets.list(repo)).toEqual(['A']);
  });

  it('deletes a secret from both places, and names one that does not exist', async () => {
    await secrets.set(repo, 'GONE', 'x');
    await secrets.delete(repo, 'GONE');
    expect(await keytar.getPassword('dstack-local', `${repo}/GONE`)).toBeNull();
    expect(await secrets.list(repo)).toEqual([]);
    await expect(secrets.delete(repo, 'GONE')).rejects.toThrow('There is no secret named GONE.');
  });

  it('names a missing secret when a job asks for it', async () => {
    await secrets.set(repo, 'PRESENT', 'x');
    const err = await secrets.values(repo, ['PRESENT', 'ABSENT']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toBe('The secret ABSENT is not set.');
    expect((err as NotFoundError).fix).toBe('Add it with `dstack secrets add ABSENT`.');
  });

  it('refuses names that are not environment variable names', async () => {
    for (const name of ['1ABC', 'MY-KEY', 'a b', '', 'X/Y', 'É']) {
      await expect(secrets.set(repo, name, 'v')).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    await expect(secrets.set(repo, 'MY-KEY', 'v')).rejects.toThrow('"MY-KEY" is not a valid secret name.');
    expect(await secrets.list(repo)).toEqual([]);
  });

  it('says the OS keychain is needed, and how to get it, when there is none', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: dir, HOME: dir };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.DISPLAY;
    const child = runFixture('secrets-without-keychain.ts', [join(dir, 'storage')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const { code, stdout } = await finished(child);
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { dstack: boolean; code: string; message: string; fix: string };
    expect(out.dstack).toBe(true);
    expect(out.code).toBe('unavailable');
    expect(out.message).toMatch(/^The OS keychain is unavailable, so secrets cannot be stored or read \(.+\)\.$/);
    expect(out.fix).toContain('Secret Service');
    expect(out.fix).toContain('gnome-keyring');
    expect(await secrets.list('acme/app')).toEqual([]);
  });
});
