// `dstack run` through a team hub runs THIS folder's workflow with THIS
// folder's code, as on a local backend: the real CLI in a member's project
// folder (whose workflow the hub's own files do not have), a real hub over
// HTTP on the real SQLite store, a local-backend project. A bad workflow
// file reads exactly as locally; code past the hub's cap gets the 413
// sentence; a read member is refused; a malformed upload gets a 4xx and the
// hub goes on answering.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_UPLOAD_ROUTE, RUN_UPLOAD_TYPE } from '../../../main/common/api/run-upload';
import { HUB_KEYCHAIN_SERVICE } from '../../../main/cli/commands/config-hub';
import { startHub } from '../../../main/hub/server/hub-server';
import { projectHome } from '../../../main/hub/server/project-backend';
import { Keychain } from '../../../main/node/keychain';
import { waitFor } from '../../helpers/wait';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';
import { MemberCli } from './cli-hub';

const MAX_CODE = 1024 * 1024;
const NOTE = `note ${randomBytes(6).toString('hex')} from the working copy`;
const MINE = `workflows:
  - name: mine
    provider: bash
    commands:
      - echo "first line of mine"
      - cat data/note.txt
  - name: fails
    provider: bash
    commands:
      - echo "about to fail"
      - exit 3
  - name: long
    provider: bash
    commands:
      - trap 'echo stopping; exit 0' TERM
      - echo started
      - while true; do sleep 0.1; done
`;
// "comands" is a typo the parser names with its line and the key it meant.
const BAD = `workflows:
  - name: bad
    provider: bash
    comands:
      - echo never
`;

let h: HubHarness;
let url: string;
let tmp: string;
const tokens: Record<string, string> = {};

async function admin(action: string, input: unknown): Promise<unknown> {
  const r = await h.post(action, input, h.adminToken);
  if (r.status !== 200) throw new Error(`${action} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.result;
}

/** A member's CLI in a project folder of its own, holding `files`, connected to project alpha with `dstack config hub`. */
async function memberIn(name: string, role: 'run' | 'read', files: Record<string, string | Buffer>): Promise<MemberCli> {
  tokens[name] = ((await admin('users.create', { name })) as { token: string }).token;
  await admin('members.set', { project: 'alpha', user: name, role });
  const cwd = join(tmp, name, 'project');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(cwd, path, '..'), { recursive: true });
    await writeFile(join(cwd, path), content);
  }
  const cli = new MemberCli(cwd, join(tmp, name, 'home'));
  expect(await cli.ok(['config', 'hub', '--url', url, '--project', 'alpha'], `${tokens[name]}\n`)).toContain(`as ${name}: project alpha`);
  return cli;
}

/** POSTs a raw body to the upload route, as a client other than the CLI could. */
async function upload(body: Buffer | ReadableStream<Uint8Array>, token: string | undefined, type = RUN_UPLOAD_TYPE): Promise<{ status: number; body: { result?: unknown; error?: { message: string; fix?: string } } }> {
  const res = await fetch(`${h.base}projects/alpha/${RUN_UPLOAD_ROUTE}`, {
    method: 'POST',
    headers: { 'content-type': type, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
    duplex: 'half',
  } as RequestInit);
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as { error?: { message: string } } };
  } catch {
    throw new Error(`the upload answered ${res.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
}

const HEAD = (workflowFiles: { file: string; text: string }[] = [{ file: '.dstack/workflows/mine.yaml', text: MINE }]) =>
  `${JSON.stringify({ request: { projectId: 'hub', workflow: 'mine', args: [] }, workflowFiles })}\n`;

/** A tar with one regular file entry (ustar header, data, padding, end blocks), for archives the CLI would never make. */
function tarOf(path: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(path, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, pad, Buffer.alloc(1024)]);
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dstack-hub-wc-'));
  h = await startHubHarness({ maxCodeBytes: MAX_CODE });
  url = `http://127.0.0.1:${h.hub.port}/`;
  await admin('projects.create', { name: 'alpha', backend: 'local' });
  await admin('users.create', { name: 'rita' }).then((u) => (tokens.rita = (u as { token: string }).token));
  await admin('members.set', { project: 'alpha', user: 'rita', role: 'read' });
  await admin('users.create', { name: 'raw' }).then((u) => (tokens.raw = (u as { token: string }).token));
  await admin('members.set', { project: 'alpha', user: 'raw', role: 'run' });
}, 120_000);

afterAll(async () => {
  await new Keychain(HUB_KEYCHAIN_SERVICE).delete(url).catch(() => false);
  await h?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('dstack run through a team hub uses this folder', () => {
  it("runs this folder's workflow (not one of the hub's files) with its working copy, and exits with the run's status", async () => {
    const ana = await memberIn('ana', 'run', { '.dstack/workflows/mine.yaml': MINE, 'data/note.txt': `${NOTE}\n` });
    // The hub's own workspace has no workflow files at all.
    const hubFiles = await readdir(join(projectHome(join(h.home, 'hub'), 'alpha'), 'workspace', '.dstack', 'workflows')).catch(() => []);
    expect(hubFiles).toEqual([]);

    const run = await ana.run(['run', 'mine']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr.split('\n')[0]).toMatch(/^Run [a-z]+-[a-z]+-\d+ \(mine\) submitted to the hub project alpha\. Ctrl\+C stops it; press twice to abort\.$/);
    expect(run.stdout).toBe(`first line of mine\n${NOTE}\n`);
    const name = /^Run ([a-z]+-[a-z]+-\d+) /.exec(run.stderr)![1]!;
    expect(run.stderr).toMatch(new RegExp(`Run ${name} done\\.\\n$`));
    expect(await ana.ok(['ps', '-a'])).toMatch(new RegExp(`^${name} +mine +done `, 'm'));
    // The upload's private folder is gone once the run is submitted.
    expect(await readdir(join(h.home, 'hub', 'uploads'))).toEqual([]);

    const failed = await ana.run(['run', 'fails']);
    expect(failed.stdout).toBe('about to fail\n');
    expect(failed.code, failed.stderr).toBe(3);

    // Ctrl+C stops the run through the hub, as locally.
    const long = ana.spawn(['run', 'long']);
    await waitFor('"started" from the run of long', () => long.output(), (o) => o.stdout.includes('started\n'), { timeoutMs: 90_000 });
    long.child.kill('SIGINT');
    const stopped = await long.exited;
    expect(stopped.stderr).toMatch(/Stopping [a-z]+-[a-z]+-\d+… press Ctrl\+C again to abort\.\n/);
    expect(stopped.stderr).toMatch(/Run [a-z]+-[a-z]+-\d+ stopped: Stopped by request\.\n$/);
    expect(stopped.code).toBe(1);
  }, 240_000);

  it('says what is wrong with a workflow file in the same one line as a local run', async () => {
    const bo = await memberIn('bo', 'run', { '.dstack/workflows/bad.yaml': BAD });
    const viaHub = await bo.run(['run', 'bad']);
    const local = await bo.run(['run', '--backend', 'local', 'bad']);
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/^\.dstack\/workflows\/bad\.yaml:4:5: .*comands/);
    expect(viaHub.code).toBe(1);
    expect(viaHub.stderr).toBe(local.stderr);
  }, 240_000);

  it('refuses code past the cap with a 413 naming the cap and the fix, streamed or declared', async () => {
    const cy = await memberIn('cy', 'run', { '.dstack/workflows/mine.yaml': MINE, 'data/big.bin': randomBytes(2 * MAX_CODE) });
    const big = await cy.run(['run', 'mine']);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(
      /^The working copy is too large for this hub: its upload is \d+ bytes, and the hub takes at most 1 MB of code per run\. Keep data and build output out of the working copy \(add them to \.gitignore; a run gets data through deps or artifacts\), or ask the hub admin to start it with a larger --max-code-mb\.\n$/,
    );

    // Without a Content-Length (chunked), the hub counts as it reads and stops at the cap.
    const chunks = [Buffer.from(HEAD()), ...Array.from({ length: 4 }, () => randomBytes(MAX_CODE / 2))];
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => (chunks.length ? c.enqueue(chunks.shift()!) : c.close()) });
    const streamed = await upload(stream, tokens.raw);
    expect(streamed.status, JSON.stringify(streamed.body)).toBe(413);
    expect(streamed.body.error?.message).toMatch(/^The working copy is too large for this hub: its snapshot is over 1048576 bytes packed, and the hub takes at most 1 MB/);

    // Small packed, large unpacked: a file of zeros is counted as it unpacks.
    const zeros = await upload(Buffer.concat([Buffer.from(HEAD()), gzipSync(tarOf('./zeros.bin', Buffer.alloc(2 * MAX_CODE)))]), tokens.raw);
    expect(zeros.status, JSON.stringify(zeros.body)).toBe(413);
    expect(zeros.body.error?.message).toMatch(/^The working copy is too large for this hub: its files hold more than 1048576 bytes/);
  }, 240_000);

  it('refuses a read member (403), through the CLI and the route', async () => {
    const rita = new MemberCli(join(tmp, 'rita', 'project'), join(tmp, 'rita', 'home'));
    await mkdir(join(rita.cwd, '.dstack', 'workflows'), { recursive: true });
    await writeFile(join(rita.cwd, '.dstack', 'workflows', 'mine.yaml'), MINE);
    expect(await rita.ok(['config', 'hub', '--url', url, '--project', 'alpha'], `${tokens.rita}\n`)).toContain('as rita: project alpha');
    const refused = await rita.run(['run', 'mine']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('Forbidden: this needs the "run" role in project "alpha". Ask an admin of "alpha" for the run role.\n');
    const raw = await upload(Buffer.concat([Buffer.from(HEAD()), gzipSync(tarOf('./a.txt', Buffer.from('a')))]), tokens.rita);
    expect(raw.status).toBe(403);
  }, 240_000);

  it('answers a malformed upload with a 4xx naming the problem, and goes on serving', async () => {
    const token = tokens.raw!;
    const cases: [string, Buffer, string, RegExp][] = [
      ['a JSON body', Buffer.from('{}'), 'application/json', /must be sent as application\/x-dstack-run/],
      ['no head line', Buffer.from('{"request":'), RUN_UPLOAD_TYPE, /no run request line/],
      ['a head that is not JSON', Buffer.from('{nope\n'), RUN_UPLOAD_TYPE, /not valid JSON/],
      ['a workflow file outside .dstack', Buffer.concat([Buffer.from(HEAD([{ file: '../../etc/x.yaml', text: MINE }])), gzipSync(tarOf('./a.txt', Buffer.from('a')))]), RUN_UPLOAD_TYPE, /workflowFiles\.0\.file must be \.dstack\/workflows\.yaml/],
      ['code that is not gzip or tar', Buffer.concat([Buffer.from(HEAD()), randomBytes(4096)]), RUN_UPLOAD_TYPE, /not a snapshot as `dstack run` packs one/],
      ['a path out of the project', Buffer.concat([Buffer.from(HEAD()), gzipSync(tarOf('../escape.txt', Buffer.from('x')))]), RUN_UPLOAD_TYPE, /the path "\.\.\/escape\.txt" is not inside the project/],
      ['a cut-off archive', Buffer.concat([Buffer.from(HEAD()), gzipSync(tarOf('./a.txt', randomBytes(4096))).subarray(0, 600)]), RUN_UPLOAD_TYPE, /not a snapshot as `dstack run` packs one/],
    ];
    for (const [what, body, type, says] of cases) {
      const r = await upload(body, token, type);
      expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.error?.message, what).toMatch(says);
    }
    const still = await h.post('projects/alpha/ops/runs.list', { projectId: 'hub' }, token);
    expect(still.status).toBe(200);
  }, 120_000);

  it('sweeps upload folders a killed hub left behind, but not one another hub process may be filling', async () => {
    const uploads = join(h.home, 'hub', 'uploads');
    await mkdir(join(uploads, 'left-by-a-crash'), { recursive: true });
    await writeFile(join(uploads, 'left-by-a-crash', 'code.tar.gz'), 'partial');
    const twoDaysAgo = new Date(Date.now() - 48 * 3600_000);
    await utimes(join(uploads, 'left-by-a-crash'), twoDaysAgo, twoDaysAgo);
    await mkdir(join(uploads, 'in-progress'));
    const second = await startHub({ store: h.store, home: h.home, version: '0.1.0', port: 0 });
    try {
      expect((await readdir(uploads)).sort()).toEqual(['in-progress']);
    } finally {
      await second.close();
      await rm(join(uploads, 'in-progress'), { recursive: true, force: true });
    }
  });
});
