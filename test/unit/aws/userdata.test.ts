/**
 * The UserData bootstrap, decoded from a real RunInstances input and run
 * with bash in a temp folder: `aws`, `shutdown` and the package managers are
 * stubs that record their arguments; node is the real one and runs a stand-in
 * runner.mjs that records its own arguments.
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInstancesInput } from '../../../main/backends/aws/compute/launch';
import { renderUserData } from '../../../main/backends/aws/compute/userdata';
import { shellQuote } from '../../../main/node/bootstrap-shell';
import { BUCKET, makeJob, REGION } from './fixtures';

async function sandbox(runnerExit: number) {
  const dir = await mkdtemp(join(tmpdir(), 'dstack-userdata-'));
  const bin = join(dir, 'bin');
  const rec = join(dir, 'calls.log');
  const stub = async (name: string, body = '') => {
    const p = join(bin, name);
    await writeFile(p, `#!/bin/bash\necho "${name} $*" >> ${shellQuote(rec)}\n${body}\n`);
    await chmod(p, 0o755);
  };
  await mkdir(bin);
  const runner = join(dir, 'fixture-runner.mjs');
  await writeFile(runner, `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(rec)}, 'runner ' + JSON.stringify(process.argv.slice(2)) + ' region=' + process.env.AWS_REGION + '\\n');\nprocess.exit(${runnerExit});\n`);
  // `aws s3 cp SRC DEST ...` copies the fixture runner to DEST.
  await stub('aws', `if [ "$1" = s3 ]; then cp ${shellQuote(runner)} "$4"; fi`);
  for (const c of ['shutdown', 'curl', 'dnf', 'apt-get', 'systemctl', 'docker']) await stub(c);
  return { dir, bin, rec };
}

function bootstrap(maxDurationSec?: number): string {
  const job = makeJob(maxDurationSec ? { maxDurationSec } : {});
  const input = runInstancesInput(
    {
      job,
      bucket: BUCKET,
      region: REGION,
      offer: { instanceType: 't3.medium', pricePerHour: 0.04, spot: false, region: REGION, cpu: 2, memoryMiB: 4096 },
      image: { id: 'ami-1', name: 'al2023', rootDevice: '/dev/xvda', rootSizeGiB: 8, kind: 'cpu' },
      subnets: [{ subnetId: 'subnet-a', vpcId: 'vpc-1', zone: 'eu-west-1a' }],
      securityGroupId: 'sg-1',
      profileName: 'p',
      userData: renderUserData(job, { type: 'aws', bucket: BUCKET, region: REGION, profile: 'work', subnet: 'subnet-a' }, { runnerKey: 'runners/abc/runner.mjs' }),
    },
    { subnetId: 'subnet-a', vpcId: 'vpc-1', zone: 'eu-west-1a' },
  );
  return Buffer.from(input.UserData!, 'base64').toString('utf8');
}

function run(script: string, s: { dir: string; bin: string }, env: Record<string, string>) {
  return spawnSync('bash', ['-c', script], {
    env: { PATH: `${s.bin}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: s.dir, DSTACK_RUNNER_HOME: join(s.dir, 'work'), ...env },
    encoding: 'utf8',
  });
}

describe('UserData bootstrap', () => {
  it('fetches the runner from the bucket and starts it with the job, as the documented command plays the instance', async () => {
    const s = await sandbox(0);
    const r = run(bootstrap(), s, { DSTACK_EXECUTOR: 'process', DSTACK_NO_SHUTDOWN: '1' });
    expect(r.status, r.stderr).toBe(0);
    const calls = (await readFile(s.rec, 'utf8')).trim().split('\n');
    expect(calls[0]).toBe(`aws s3 cp s3://${BUCKET}/runners/abc/runner.mjs runner.mjs --region ${REGION} --only-show-errors`);
    const runnerLine = calls.find((l) => l.startsWith('runner '))!;
    const args = JSON.parse(runnerLine.slice('runner '.length, runnerLine.indexOf(' region='))) as string[];
    expect(args).toEqual(['--config', JSON.stringify({ type: 'aws', bucket: BUCKET, region: REGION, subnet: 'subnet-a' }), '--repo', 'acme/mnist', '--job', 'grumpy-zebra-1,train,0', '--executor', 'process']);
    // No profile reaches the instance: it uses its role. Nothing was installed (node is present) and nothing shut down.
    expect(runnerLine).toContain(`region=${REGION}`);
    expect(calls.filter((l) => /^(shutdown|curl|dnf|apt-get) /.test(l))).toEqual([]);
    // At the end, the bootstrap's and the runner's own output go to the runners log group.
    const group = `/dstack/runners/${BUCKET}`;
    expect(calls).toContain(`aws logs create-log-stream --log-group-name ${group} --log-stream-name grumpy-zebra-1,train,0 --region ${REGION}`);
    const events = join(s.dir, 'work', 'runner-log-events.json');
    expect(calls).toContain(`aws logs put-log-events --log-group-name ${group} --log-stream-name grumpy-zebra-1,train,0 --log-events file://${events} --region ${REGION}`);
    const shipped = (JSON.parse(await readFile(events, 'utf8')) as { message: string }[]).map((e) => e.message);
    expect(shipped).toContain(`dstack bootstrap: fetching s3://${BUCKET}/runners/abc/runner.mjs`);
  });

  it('installs Docker for the docker executor and always shuts the machine down, even when the runner fails', async () => {
    const s = await sandbox(3);
    await rm(join(s.bin, 'docker'));
    const r = run(bootstrap(3600), s, {});
    expect(r.status).toBe(3);
    const calls = (await readFile(s.rec, 'utf8')).trim().split('\n');
    expect(calls[0]).toBe('shutdown -h +70');
    expect(calls).toContain('dnf install -y docker');
    expect(calls.some((l) => l.startsWith('runner ') && l.includes('"--executor","docker"'))).toBe(true);
    expect(calls.at(-1)).toBe('shutdown -h now');
  });

  it('quotes every value for bash', () => {
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    const s = spawnSync('bash', ['-c', `printf %s ${shellQuote(`a'b"c$d`)}`], { encoding: 'utf8' });
    expect(s.stdout).toBe(`a'b"c$d`);
  });
});

describe('the Node the bootstrap installs', () => {
  it("is a Node 22 LTS, and the image's own Node is kept only when it satisfies package.json's engines", async () => {
    const { MIN_NODE, NODE_VERSION } = await import('../../../main/backends/aws/compute/userdata');
    const { readFileSync } = await import('node:fs');
    const engines = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(engines).toBe(`>=${MIN_NODE.major}.${MIN_NODE.minor}`);
    const [major, minor] = NODE_VERSION.split('.').map(Number) as [number, number];
    expect(major).toBe(22);
    expect(major > MIN_NODE.major || minor >= MIN_NODE.minor).toBe(true);
    const script = renderUserData(makeJob(), { type: 'aws', bucket: BUCKET, region: REGION }, { runnerKey: 'runner.mjs' });
    expect(script).toContain(`process.exit(a > ${MIN_NODE.major} || (a === ${MIN_NODE.major} && b >= ${MIN_NODE.minor}) ? 0 : 1)`);
  });
});
