// What the hub's store checks when it starts: its folder and files are
// private, the key file may not be readable by others, DSTACK_HUB_KEY and
// --database are well formed, and a database it cannot reach is named
// (password hidden) in one sentence.
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openHubStore } from '../../../main/hub/sql-store';
import { startPostgres } from '../../helpers/postgres';

const homes: string[] = [];
afterEach(async () => {
  await Promise.all(homes.splice(0).map((h) => rm(h, { recursive: true, force: true })));
});
async function home(): Promise<string> {
  const h = await mkdtemp(join(tmpdir(), 'dstack-hub-setup-'));
  homes.push(h);
  return h;
}
const mode = async (path: string) => ((await stat(path)).mode & 0o777).toString(8);

describe('hub store start-up checks', () => {
  it('creates DSTACK_HOME/hub 0700 with hub.db and a 32-byte secret.key, both 0600', async () => {
    const h = await home();
    const store = await openHubStore({ home: h, env: {} });
    await store.close();
    expect(await mode(join(h, 'hub'))).toBe('700');
    expect(await mode(join(h, 'hub', 'hub.db'))).toBe('600');
    expect(await mode(join(h, 'hub', 'secret.key'))).toBe('600');
    expect((await stat(join(h, 'hub', 'secret.key'))).size).toBe(32);
  });

  it('refuses a key file others may read, naming it and the chmod that fixes it', async () => {
    const h = await home();
    await (await openHubStore({ home: h, env: {} })).close();
    const key = join(h, 'hub', 'secret.key');
    await chmod(key, 0o644);
    await expect(openHubStore({ home: h, env: {} })).rejects.toMatchObject({
      code: 'permission',
      message: `The hub's key file ${key} has mode 0644: other users may read it, so the hub will not use it.`,
      fix: `Make it private with: chmod 600 ${key}`,
    });
    await chmod(key, 0o600);
    await (await openHubStore({ home: h, env: {} })).close();
  });

  it('refuses a key file of the wrong size, and a malformed DSTACK_HUB_KEY', async () => {
    const h = await home();
    await mkdir(join(h, 'hub'), { recursive: true, mode: 0o700 });
    await writeFile(join(h, 'hub', 'secret.key'), 'short', { mode: 0o600 });
    await expect(openHubStore({ home: h, env: {} })).rejects.toMatchObject({ code: 'config', message: expect.stringContaining('holds 5 bytes, not 32') });
    await expect(openHubStore({ home: h, env: { DSTACK_HUB_KEY: 'not-base64-of-32-bytes' } })).rejects.toMatchObject({ code: 'config', message: expect.stringContaining('DSTACK_HUB_KEY must be 32 random bytes in base64') });
  });

  it('with DSTACK_HUB_KEY writes no key file', async () => {
    const h = await home();
    await (await openHubStore({ home: h, env: { DSTACK_HUB_KEY: Buffer.alloc(32, 1).toString('base64') } })).close();
    await expect(stat(join(h, 'hub', 'secret.key'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a --database that is neither a Postgres URL nor a file', async () => {
    await expect(openHubStore({ home: await home(), database: 'mysql://u:pw@host/db', env: {} })).rejects.toMatchObject({ code: 'invalid_argument', message: '--database mysql://u:***@host/db is neither a Postgres URL nor a file.' });
  });

  it('names an unreachable Postgres in one sentence, its password hidden', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => resolve(p));
      });
    });
    const err = await openHubStore({ home: await home(), database: `postgresql://hub:topsecretpw@127.0.0.1:${port}/hub`, env: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unavailable', message: expect.stringContaining(`The hub cannot use its database postgresql://hub:***@127.0.0.1:${port}/hub: `) });
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain('topsecretpw');
  });

  it('names a Postgres that goes away under a running hub in one typed sentence, and keeps mistakes typed as they were', async () => {
    const cluster = await startPostgres();
    let stopped = false;
    try {
      const database = await cluster.newDatabase();
      const store = await openHubStore({ home: await home(), database, env: {} });
      try {
        await store.bootstrapAdmin('root');
        await expect(store.createUser('root', 'root')).rejects.toMatchObject({ code: 'conflict' });
        await cluster.stop();
        stopped = true;
        const err = await store.listUsers().catch((e: unknown) => e);
        expect(err).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/^The hub's database postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/hub_\w+ is not answering \(.+\)\.$/) });
        expect(String((err as Error).message)).not.toMatch(new RegExp(new URL(database).password));
      } finally {
        await store.close();
      }
    } finally {
      if (!stopped) await cluster.stop();
    }
  });
});
