// `dstack cp` through a team hub moves the bytes with the same engine as a
// backend of its own: partial files in the member's private staging folder
// (never beside the target, never consuming a file it did not make), a cut
// download resumed from the parts it verified, a damaged part fetched
// again, and the whole file checked before it lands. For an AWS project the
// bytes come straight from S3 through presigned URLs (an hour), never
// through the hub. Real hub (HTTP, SQLite), real CLI processes, s3rver.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HUB_KEYCHAIN_SERVICE } from '../../../main/cli/commands/config-hub';
import { keys } from '../../../main/core/keys';
import type { PartHash } from '../../../main/core/staged-file';
import { partHasher } from '../../../main/core/staged-file';
import type { RunService } from '../../../main/core/runs';
import { Keychain } from '../../../main/node/keychain';
import { ApiService } from '../../../main/service/api';
import { collidingTree, readTree, treeDifferences } from '../../helpers/colliding-artifacts';
import type { S3rver } from '../../helpers/s3rver';
import { startS3rver } from '../../helpers/s3rver';
import { waitFor } from '../../helpers/wait';
import { fakeJob } from '../../unit/core/fixtures';
import { MemberCli } from './cli-hub';
import type { HubHarness } from './hub-harness';
import { startHubHarness } from './hub-harness';
import { stubHubAwsEnv } from './hub-aws-env';

const MiB = 1024 * 1024;

/** A pass-through proxy in front of s3rver that records every request the storage receives. */
interface S3Wire {
  endpoint: string;
  /** Method, URL, Range, status and body bytes answered, of each request. */
  seen: { method: string; url: string; range: string; status: number; bytes: number; signedUrl: boolean }[];
  /** Answers a request as S3 answers a presigned URL past its expiry (403 AccessDenied) when this says so. */
  expire?: (url: string, range: string) => boolean;
  stop(): Promise<void>;
}

async function startS3Wire(target: string): Promise<S3Wire> {
  const upstream = new URL(target);
  const wire: S3Wire = { endpoint: '', seen: [], stop: async () => undefined };
  const server: Server = createServer((req, res) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', range: req.headers.range ?? '', status: 0, bytes: 0, signedUrl: /[?&]X-Amz-Signature=/.test(req.url ?? '') };
    wire.seen.push(entry);
    if (entry.signedUrl && wire.expire?.(entry.url, entry.range)) {
      entry.status = 403;
      res.writeHead(403, { 'content-type': 'application/xml' });
      return void res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    }
    const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      entry.status = ur.statusCode ?? 502;
      res.writeHead(entry.status, ur.headers);
      ur.on('data', (c: Buffer) => (entry.bytes += c.length));
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  wire.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  wire.stop = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return wire;
}

let h: HubHarness;
let s3: S3rver;
let wire: S3Wire;
let tmp: string;
let url: string;
const keychain = new Keychain(HUB_KEYCHAIN_SERVICE);
/** Artifact bytes the hub served (its download route), counted at the service the route reads them from. */
let hubServed = 0;
/** Holds the hub's download route before serving call `n` until it resolves; undefined lets everything through. */
let gate: ((n: number) => Promise<void>) | undefined;

async function admin(action: string, input: unknown): Promise<unknown> {
  const r = await h.post(action, input, h.adminToken);
  if (r.status !== 200) throw new Error(`${action} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body.result;
}

/** A done run named `runName` in hub project `project` whose artifacts are `files`; big ones go up as multipart uploads. */
async function seedRun(project: string, runName: string, files: Map<string, Buffer>): Promise<void> {
  const service = h.hub.services.get(project);
  const { repo } = await service.ctx.projects.resolve(await h.hub.services.projectId(project));
  const runs: RunService = await service.ctx.runs();
  const job = { ...fakeJob(runName), repo, backend: runs.backend.name };
  await runs.jobs.create(job);
  for (const s of ['downloading', 'running', 'uploading', 'done'] as const) await runs.jobs.setStatus(repo, job.id, s);
  for (const [rel, data] of files) {
    const key = keys.artifact(repo, job.id, rel);
    if (data.length < 5 * MiB) await runs.backend.storage.put(key, data);
    else {
      const src = join(tmp, 'upload.bin');
      await writeFile(src, data);
      await (runs.backend.storage.uploadFile as (p: string, k: string, o: object) => Promise<void>)(src, key, { threshold: 5 * MiB, partSize: 5 * MiB });
    }
  }
}

async function connect(name: string, project: string, through = url): Promise<MemberCli> {
  const t = ((await admin('users.create', { name })) as { token: string }).token;
  await admin('members.set', { project, user: name, role: 'read' });
  const dir = join(tmp, name);
  await mkdir(join(dir, 'cwd'), { recursive: true });
  const cli = new MemberCli(join(dir, 'cwd'), join(dir, 'home'));
  await keychain.delete(through).catch(() => false);
  expect(await cli.ok(['config', 'hub', '--url', through, '--project', project], `${t}\n`)).toContain(`as ${name}: project ${project}`);
  return cli;
}

/** A proxy in front of the hub, as a broken middlebox would be: with `flip` on, it changes one byte of each ranged download answer. */
async function startFlippingProxy(): Promise<{ url: string; flip: boolean; flipped: number; stop(): Promise<void> }> {
  const hub = new URL(url);
  const proxy = { url: '', flip: false, flipped: 0, stop: async (): Promise<void> => undefined };
  const server: Server = createServer((req, res) => {
    const up = request({ host: hub.hostname, port: hub.port, method: req.method, path: req.url, headers: { ...req.headers, host: hub.host } }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      let first = proxy.flip && ur.statusCode === 206 && (req.url ?? '').includes('/download/');
      ur.on('data', (c: Buffer) => {
        if (first && c.length > 0) {
          c[0]! ^= 0xff;
          first = false;
          proxy.flipped++;
        }
        res.write(c);
      });
      ur.on('end', () => res.end());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  proxy.stop = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return proxy;
}

/** The member's staged journals: how many parts each records as done. */
async function stagedParts(home: string): Promise<number[]> {
  const dir = join(home, 'staging');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json'));
  const out: number[] = [];
  for (const n of names) {
    const j = JSON.parse(await readFile(join(dir, n), 'utf8').catch(() => '{}')) as { parts?: Record<string, string> };
    out.push(Object.keys(j.parts ?? {}).length);
  }
  return out;
}

/**
 * Runs `args` (a `dstack cp` through the hub) and kills it with SIGKILL once
 * `parts` parts are in its staged journal: the hub serves that many ranged
 * GETs and holds the next until the CLI is dead.
 */
async function cutDownload(cli: MemberCli, args: string[], parts: number): Promise<void> {
  let release = (): void => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  hubServed = 0;
  gate = (n) => (n <= parts ? Promise.resolve() : held);
  const first = cli.spawn(args);
  try {
    await waitFor(`${parts} verified part(s) in the staged journal of the cut download`, () => stagedParts(cli.home), (counts) => counts.some((n) => n >= parts), { timeoutMs: 90_000 });
  } finally {
    first.child.kill('SIGKILL');
    await first.exited;
    release();
  }
  gate = undefined;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'dstack-hub-cp-'));
  s3 = await startS3rver();
  wire = await startS3Wire(s3.endpoint);
  stubHubAwsEnv({ s3: wire.endpoint });
  const original = ApiService.prototype.downloadSource;
  vi.spyOn(ApiService.prototype, 'downloadSource').mockImplementation(async function (this: ApiService, id: string, signal: AbortSignal) {
    hubServed++;
    await gate?.(hubServed);
    return original.call(this, id, signal);
  });
  h = await startHubHarness();
  url = `http://127.0.0.1:${h.hub.port}/`;
  await admin('projects.create', { name: 'alpha', backend: 'local' });
  await admin('projects.create', { name: 'vision', backend: 'aws', settings: { region: s3.region, bucket: s3.bucket }, credentials: s3.credentials });
}, 120_000);

afterEach(() => {
  gate = undefined;
});

afterAll(async () => {
  await keychain.delete(url).catch(() => false);
  await h?.close();
  await wire?.stop();
  await s3?.stop();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await rm(tmp, { recursive: true, force: true });
});

describe('dstack cp through a team hub', () => {
  it('copies a folder holding p1, p1.part, p1.part.json… byte for byte, and leaves a .part of the user\'s own untouched', async () => {
    const files = collidingTree(6);
    const extra = randomBytes(70_000);
    files.set('g0/extra', extra);
    files.set('g1/empty', Buffer.alloc(0));
    await seedRun('alpha', 'odd-hawk-1', files);
    const cli = await connect('ana', 'alpha');
    const out = join(tmp, 'colliding');
    // A file of the user's own where a download beside its target would keep its partial.
    const mine = Buffer.from('my own notes, not an artifact\n');
    await mkdir(join(out, 'g0'), { recursive: true });
    await writeFile(join(out, 'g0', 'extra.part'), mine);
    const r = await cli.run(['cp', 'odd-hawk-1', '', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Copied ${files.size} file\\(s\\), [\\d.]+ MiB, to .*colliding\\.\\n$`));
    const want = new Map([...files, ['g0/extra.part', mine]]);
    expect(treeDifferences(want, await readTree(out))).toEqual([]);

    // One file of a tag's artifacts, into a folder: the same engine, named by :TAG.
    const tagged = await h.post('projects/alpha/ops/tags.add', { projectId: 'alpha', tag: 'colliding', runName: 'odd-hawk-1' }, h.adminToken);
    expect(tagged.status, JSON.stringify(tagged.body)).toBe(200);
    const one = await cli.run(['cp', ':colliding', 'g3/p1.part', `${join(tmp, 'one')}/`]);
    expect(one.code, one.stderr).toBe(0);
    expect((await readFile(join(tmp, 'one', 'p1.part'))).equals(files.get('g3/p1.part')!)).toBe(true);
  }, 180_000);

  it('resumes a download cut by a kill from the parts it verified, and fetches again a staged part whose bytes were damaged', async () => {
    const data = randomBytes(5 * 8 * MiB - 1000);
    await seedRun('alpha', 'big-hawk-1', new Map([['model.bin', data]]));
    const cli = await connect('bo', 'alpha');
    const out = join(tmp, 'resumed', 'model.bin');
    await cutDownload(cli, ['cp', 'big-hawk-1', 'model.bin', out], 4);
    await expect(readFile(out), 'nothing lands at the target before every byte is verified').rejects.toThrow(/ENOENT/);
    // Someone (a disk fault, another program) writes zeros over the first staged part.
    const staging = join(cli.home, 'staging');
    const partial = (await readdir(staging)).filter((n) => n.endsWith('.part'));
    expect(partial, `the staging folder holds ${JSON.stringify(await readdir(staging))}`).toHaveLength(1);
    const fh = await open(join(staging, partial[0]!), 'r+');
    await fh.write(Buffer.alloc(MiB), 0, MiB, 0);
    await fh.close();

    hubServed = 0;
    const again = await cli.run(['cp', 'big-hawk-1', 'model.bin', out]);
    expect(again.code, again.stderr).toBe(0);
    expect((await readFile(out)).equals(data), 'the resumed file is the artifact, byte for byte').toBe(true);
    // Parts 1-3 were reused; the damaged part 0 and the never-fetched part 4 came again.
    expect(hubServed, 'ranged GETs of the resumed download').toBe(2);
    expect(await readdir(staging), 'the staging folder is empty after the download').toEqual([]);
  }, 180_000);

  it('checks a resumed download whose every part was already staged against the hub\'s whole-file SHA-256', async () => {
    const data = randomBytes(2 * 8 * MiB - 500);
    await seedRun('alpha', 'all-hawk-1', new Map([['weights.bin', data]]));
    const cli = await connect('al', 'alpha');
    const out = join(tmp, 'all-staged', 'weights.bin');
    await cutDownload(cli, ['cp', 'all-hawk-1', 'weights.bin', out], 1);
    // As if both parts had come, the first damaged on the way and journaled as it came: every part now hashes as recorded.
    const staging = join(cli.home, 'staging');
    const [journalName] = (await readdir(staging)).filter((n) => n.endsWith('.json'));
    const journalPath = join(staging, journalName!);
    const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { source: { partHash: PartHash; partSize: number }; parts: Record<string, string> };
    const staged = Buffer.from(data);
    staged[100] = staged[100]! ^ 0xff;
    const fh = await open(journalPath.replace(/\.json$/, '.part'), 'r+');
    await fh.write(staged, 0, staged.length, 0);
    await fh.close();
    for (const i of [0, 1]) {
      const h = partHasher(journal.source.partHash);
      h.update(staged.subarray(i * journal.source.partSize, (i + 1) * journal.source.partSize));
      journal.parts[String(i)] = h.digest();
    }
    await writeFile(journalPath, JSON.stringify(journal));

    hubServed = 0;
    const bad = await cli.run(['cp', 'all-hawk-1', 'weights.bin', out]);
    expect(bad.code, `dstack cp of a file whose staged parts hold damaged bytes: ${bad.stdout}${bad.stderr}`).toBe(1);
    expect(bad.stderr).toMatch(/The download of weights\.bin is corrupt: its SHA-256 does not match the source's\./);
    expect(hubServed, 'ranged GETs: one byte, for the digest').toBe(1);
    await expect(readFile(out), 'nothing lands when the bytes are wrong').rejects.toThrow(/ENOENT/);
    const good = await cli.run(['cp', 'all-hawk-1', 'weights.bin', out]);
    expect(good.code, good.stderr).toBe(0);
    expect((await readFile(out)).equals(data)).toBe(true);
  }, 180_000);

  it('for an AWS project fetches every byte straight from S3 through hour-long presigned URLs, none through the hub, and refuses a damaged object', async () => {
    const files = new Map<string, Buffer>([
      ['small.txt', Buffer.from('hello from s3\n')],
      ['big.bin', randomBytes(12 * MiB + 7)],
      ['big.bin.part', randomBytes(3_000)],
      ['empty', Buffer.alloc(0)],
    ]);
    await seedRun('vision', 'sky-owl-1', files);
    const service = h.hub.services.get('vision');
    const { repo } = await service.ctx.projects.resolve(await h.hub.services.projectId('vision'));
    const stored = s3.objectPath(keys.artifact(repo, 'sky-owl-1,train,0', 'big.bin'));
    // s3rver gives a multipart object a plain MD5 ETag; give big.bin the one real S3 would (MD5 of the 5 MiB parts' MD5s).
    const big = files.get('big.bin')!;
    const partMd5s = [0, 1, 2].map((i) => createHash('md5').update(big.subarray(i * 5 * MiB, (i + 1) * 5 * MiB)).digest());
    await writeFile(`${stored}.md5`, `${createHash('md5').update(Buffer.concat(partMd5s)).digest('hex')}-3`);
    const cli = await connect('vic', 'vision');
    hubServed = 0;
    wire.seen.length = 0;
    const out = join(tmp, 'from-s3');
    const r = await cli.run(['cp', 'sky-owl-1', '', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(treeDifferences(files, await readTree(out))).toEqual([]);
    expect(hubServed, 'artifact bytes the hub served').toBe(0);
    const signed = wire.seen.filter((x) => x.signedUrl);
    const seen = JSON.stringify(wire.seen.map((x) => `${x.method} ${x.url.slice(0, 120)}`));
    // The multipart object comes in its three 5 MiB parts (the part size its ETag follows from), each its own ranged GET; the empty file needs none.
    expect(signed.length, seen).toBe(5);
    for (const x of signed) expect(x.url, 'a presigned GET valid for an hour').toMatch(/[?&]X-Amz-Expires=3600(&|$)/);
    expect(signed.reduce((n, x) => n + x.bytes, 0), 'bytes S3 sent on presigned GETs').toBe([...files.values()].reduce((n, b) => n + b.length, 0));

    // The stored object's bytes change under its ETag: the download is refused, and nothing lands.
    const fh = await open(stored, 'r+');
    await fh.write(Buffer.from('tampered'), 0, 8, 6 * MiB);
    await fh.close();
    const bad = await cli.run(['cp', 'sky-owl-1', 'big.bin', join(tmp, 'tampered.bin')]);
    expect(bad.code, bad.stdout).toBe(1);
    expect(bad.stderr).toMatch(/The download of big\.bin is corrupt: its ETag does not match the source's\./);
    await expect(readFile(join(tmp, 'tampered.bin'))).rejects.toThrow(/ENOENT/);
  }, 180_000);

  it('asks the hub for a fresh link when S3 refuses one as expired, and resumes from the parts already verified', async () => {
    const data = randomBytes(2 * 8 * MiB - 5);
    await seedRun('vision', 'sky-owl-2', new Map([['weights.bin', data]]));
    const cli = await connect('val', 'vision');
    wire.seen.length = 0;
    let expired = 0;
    // The second 8 MiB part's first GET finds its URL expired.
    wire.expire = (u, range) => u.includes('/weights.bin?') && range.startsWith(`bytes=${8 * MiB}-`) && expired++ === 0;
    try {
      const out = join(tmp, 'refreshed.bin');
      const r = await cli.run(['cp', 'sky-owl-2', 'weights.bin', out]);
      expect(r.code, r.stderr).toBe(0);
      expect((await readFile(out)).equals(data), 'the file is the artifact, byte for byte').toBe(true);
    } finally {
      wire.expire = undefined;
    }
    const gets = wire.seen.filter((x) => x.signedUrl).map((x) => `${x.range} ${x.status} X-Amz-Date=${/X-Amz-Date=(\w+)/.exec(x.url)?.[1]} ${x.bytes}`);
    expect(expired, `presigned GETs: ${JSON.stringify(gets)}`).toBeGreaterThanOrEqual(1);
    const refused = wire.seen.findIndex((x) => x.status === 403);
    const after = wire.seen.slice(refused + 1).filter((x) => x.signedUrl && x.status === 206);
    expect(after.map((x) => x.range), `presigned GETs: ${JSON.stringify(gets)}`).toContain(`bytes=${8 * MiB}-${data.length - 1}`);
    expect(await readdir(join(cli.home, 'staging')), 'the staging folder is empty after the download').toEqual([]);
  }, 180_000);

  it('checks a local project\'s file against the whole-file SHA-256 the hub sends, so bytes damaged on the way never land', async () => {
    const data = randomBytes(3 * MiB + 11);
    await seedRun('alpha', 'flip-hawk-1', new Map([['data.bin', data]]));
    const proxy = await startFlippingProxy();
    try {
      const cli = await connect('fay', 'alpha', proxy.url);
      proxy.flip = true;
      const out = join(tmp, 'flipped.bin');
      const bad = await cli.run(['cp', 'flip-hawk-1', 'data.bin', out]);
      expect(proxy.flipped, 'bytes the proxy damaged').toBeGreaterThan(0);
      expect(bad.code, bad.stdout).toBe(1);
      expect(bad.stderr).toMatch(/The download of data\.bin is corrupt: its SHA-256 does not match the source's\./);
      await expect(readFile(out), 'nothing lands when the bytes are wrong').rejects.toThrow(/ENOENT/);
      proxy.flip = false;
      const good = await cli.run(['cp', 'flip-hawk-1', 'data.bin', out]);
      expect(good.code, good.stderr).toBe(0);
      expect((await readFile(out)).equals(data)).toBe(true);
    } finally {
      await keychain.delete(proxy.url).catch(() => false);
      await proxy.stop();
    }
  }, 180_000);
});
