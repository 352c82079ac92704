// A job script past Linux's 2 MiB budget for a whole argv (ARG_MAX), run by
// both executors over the real local backend: the process executor with a
// real bash, and the docker executor through a stand-in `docker` client (no
// engine here) that runs the mounted script file as a container would. In
// argv (`sh -c <script>`) it failed with E2BIG and showed in `ps`.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_SCRIPT } from '../../../main/runner/docker';
import type { Harness } from './fixtures';
import { harness } from './fixtures';

const PAD = 'x'.repeat(100);
const COUNT = 21_000;
const LINES = Array.from({ length: COUNT }, (_, i) => `      - N=$((N+1)) # ${i} ${PAD}`).join('\n');

const WORKFLOWS = `
workflows:
  - name: long-script
    provider: bash
    commands:
      - N=0
${LINES}
      - echo "ran $N; argv $(tr '\\\\0' ' ' < /proc/$$/cmdline | wc -c) bytes"
`;

/**
 * A `docker` client without an engine: `info` answers, `run` checks the
 * script mount is read-only and runs that file with the shell and flags the
 * command line names, in the work dir, and records its argv size.
 */
const FAKE_DOCKER = `#!/bin/bash
case "$1" in
  info) echo 24.0; exit 0 ;;
  kill) exit 0 ;;
esac
echo "$#" > "$DSTACK_TEST_ARGV"; printf '%s\\n' "$@" | wc -c >> "$DSTACK_TEST_ARGV"
args=("$@"); workdir=; script=
for ((i = 0; i < $#; i++)); do
  if [ "\${args[i]}" = -v ]; then
    v="\${args[i+1]}"
    case "$v" in
      *:${CONTAINER_SCRIPT}:ro) script="\${v%%:*}" ;;
      *:/workflow) workdir="\${v%%:*}" ;;
    esac
  fi
  if [ "\${args[i]}" = --entrypoint ]; then shell="\${args[i+1]}"; flag="\${args[i+3]}"; target="\${args[i+4]}"; fi
done
[ "$target" = ${CONTAINER_SCRIPT} ] || { echo "the command line runs $target, not the mounted script" >&2; exit 97; }
echo "script mode $(stat -c %a "$script")"
cd "$workdir" && exec "$shell" "$flag" "$script"
`;

let h: Harness;
let bin: string;
const path = process.env.PATH;
beforeAll(async () => {
  h = await harness(WORKFLOWS);
  bin = await mkdtemp(join(tmpdir(), 'dstack-fake-docker-'));
  await writeFile(join(bin, 'docker'), FAKE_DOCKER);
  await chmod(join(bin, 'docker'), 0o755);
});
afterAll(async () => {
  process.env.PATH = path;
  delete process.env.DSTACK_TEST_ARGV;
  await h.cleanup();
  await rm(bin, { recursive: true, force: true });
});

async function outputOf(opts: Parameters<Harness['run']>[1]) {
  const job = await h.run('long-script', opts);
  const lines = await h.lines(job);
  const text = (stream: string) => lines.filter((e) => e.stream === stream).map((e) => e.text);
  return { job, text, seen: `statusReason: ${job.statusReason}; stderr: ${text('stderr').slice(0, 3).join(' | ')}` };
}

describe('a job script over 2 MiB', () => {
  it('is over 2 MiB', () => {
    expect(WORKFLOWS.length).toBeGreaterThan(2 * 1024 * 1024);
  });

  it('runs every command under the process executor, with only a file name in argv', async () => {
    const { job, text, seen } = await outputOf({ executor: 'process' });
    expect(job.status, seen).toBe('done');
    const [line] = text('stdout');
    expect(line, seen).toMatch(new RegExp(`^ran ${COUNT}; argv \\d+ bytes$`));
    expect(Number(/argv (\d+)/.exec(line ?? '')?.[1]), 'bash -e <file> is a short command line').toBeLessThan(4096);
  });

  it('runs every command under the docker executor, from a read-only 0600 mount, with a short docker argv', async () => {
    const argvFile = join(h.dir, 'docker-argv');
    process.env.PATH = `${bin}:${path}`;
    process.env.DSTACK_TEST_ARGV = argvFile;
    const { job, text, seen } = await outputOf({ executor: 'docker' });
    expect(job.status, seen).toBe('done');
    expect(text('stdout')[0], seen).toBe('script mode 600');
    expect(text('stdout')[1], seen).toMatch(new RegExp(`^ran ${COUNT}; argv \\d+ bytes$`));
    const [, bytes] = (await readFile(argvFile, 'utf8')).trim().split('\n').map(Number);
    expect(bytes, 'the docker command line carries no script').toBeLessThan(4096);
  });
});
