/**
 * `dstack config` with no subcommand: on a terminal it asks which backend
 * (the registry's rows, then hub) and sets it up; without a terminal it
 * prints config.yaml as before. The terminal is a real pseudo-terminal from
 * util-linux `script`, and the CLI runs from source under tsx; the gcp
 * choice talks to the Cloud Storage and Resource Manager stand-ins and keeps
 * the key in the real keychain (run under test/with-keyring.sh).
 */
import { spawn } from 'node:child_process';
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import keytar from 'keytar';
import { GCP_KEYCHAIN_SERVICE } from '../../../main/backends/gcp/keychain';
import { BACKEND_NAMES } from '../../../main/common/backends';
import { startGcsStandin } from '../../helpers/gcs-standin';
import { startResourceManagerStandin } from '../../helpers/resource-manager-standin';
import { ROOT } from './cli';

const CLI = `${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(join(ROOT, 'main', 'cli', 'main.ts'))}`;
let home: string;

/** Runs `dstack config` on a pseudo-terminal (tty = true) or on pipes, typing `input`; fails after 60 s saying what it printed. */
function config(input: string, tty: boolean, extraEnv: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  const cmd = `${CLI} config`;
  const env = { ...process.env, ...extraEnv, DSTACK_HOME: home };
  const child = tty ? spawn('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, env }) : spawn('sh', ['-c', cmd], { cwd: ROOT, env });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`dstack config did not end in 60 s; it printed: ${out}`));
    }, 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: out.replace(/\r/g, '') });
    });
  });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-config-choice-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('dstack config (no subcommand)', () => {
  it('on a terminal, offers every registered backend and hub, and sets the one chosen', async () => {
    const r = await config('9\nlocal\n', true);
    expect(r.code, r.out).toBe(0);
    const offered = [...r.out.matchAll(/^ {2}\d\) (\w+):/gm)].map((m) => m[1]);
    expect(offered).toEqual([...BACKEND_NAMES, 'hub']);
    expect(r.out).toContain(`"9" is not one of the choices; type a number from 1 to ${BACKEND_NAMES.length + 1}`);
    expect(r.out).toMatch(/Backend set to local in .*config\.yaml\./);
    expect(await readFile(join(home, 'config.yaml'), 'utf8')).toBe('backend: local\n');
  }, 90_000);

  it('choosing hub says the command that connects to one', async () => {
    const r = await config(`${BACKEND_NAMES.length + 1}\n`, true);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('dstack config hub --url URL --project NAME');
  }, 90_000);

  it('choosing gcp asks for the key, project, region, zone and bucket, and saves what was answered', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = { type: 'service_account', project_id: 'dstack-test-project', private_key_id: `tty${Date.now()}`, private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), client_email: 'tty@dstack-test-project.iam.gserviceaccount.com' };
    const keyFile = join(home, '..', `${key.private_key_id}.json`);
    await writeFile(keyFile, JSON.stringify(key));
    const signed = (jwt: string) => {
      const [h, b, sig] = jwt.split('.');
      return Boolean(h && b && sig) && createVerify('RSA-SHA256').update(`${h}.${b}`).verify(publicKey, Buffer.from(sig!, 'base64url'));
    };
    const gcs = await startGcsStandin();
    const rmStandin = await startResourceManagerStandin(key.project_id);
    gcs.verify = signed;
    rmStandin.verify = signed;
    try {
      const r = await config(`gcp\n${keyFile}\n\nus-central1\n2\n${gcs.bucket}\n`, true, { DSTACK_GCP_STORAGE_ENDPOINT: gcs.endpoint, DSTACK_GCP_RESOURCEMANAGER_ENDPOINT: rmStandin.endpoint });
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain('Project id [dstack-test-project]:');
      expect(r.out).toContain(`Buckets of dstack-test-project: ${gcs.bucket} (us-central1)`);
      expect(await readFile(join(home, 'config.yaml'), 'utf8')).toBe(
        `backend: gcp\nproject: dstack-test-project\nregion: us-central1\nzone: us-central1-b\nbucket: ${gcs.bucket}\nkeychain_key: ${key.client_email}/${key.private_key_id}\n`,
      );
    } finally {
      await gcs.stop();
      await rmStandin.stop();
      await keytar.deletePassword(GCP_KEYCHAIN_SERVICE, `${key.client_email}/${key.private_key_id}`).catch(() => false);
      await writeFile(join(home, 'config.yaml'), 'backend: local\n');
    }
  }, 90_000);

  it('without a terminal, prints the configuration and asks nothing', async () => {
    const r = await config('', false);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toBe(`${join(home, 'config.yaml')}:\n  backend: local\n`);
  }, 90_000);
});
