import { describe, expect, it } from 'vitest';
import type { Workflow } from '../../../main/core/workflow';
import { parseWorkflowText } from '../../../main/core/workflow';
import { FILE, yaml } from './helpers';

function only(text: string): Workflow {
  const set = parseWorkflowText(text, FILE);
  expect(set.issues).toEqual([]);
  expect(set.workflows).toHaveLength(1);
  return set.workflows[0]!;
}

describe('valid workflows', () => {
  it('reads every field of a full-featured bash workflow', () => {
    const text = yaml(
      'workflows:',
      '  - name: prepare',
      '    commands: [echo prep]',
      '',
      '  - name: train',
      '    help: Trains the model',
      '    provider: bash',
      '    python: 3.10',
      '    working_dir: ./src/',
      '    env:',
      '      - PYTHONPATH=src',
      '      - TOKEN=${{ secrets.HF_TOKEN }}',
      '      - EMPTY=',
      '    commands:',
      '      - pip install -r requirements.txt',
      '      - python train.py --run ${{ run.name }} ${{ run.args }} --key ${{ secrets.WANDB_KEY }}',
      '      - true',
      '    artifacts:',
      '      - path: ./checkpoint/',
      '        mount: true',
      '      - logs',
      '    deps:',
      '      - workflow: prepare',
      '      - tag: mnist-v1',
      '    cache:',
      '      - path: .cache/pip',
      '      - data',
      '    ports: 2',
      '    resources:',
      '      cpu: 4',
      '      memory: 16GB',
      '      gpu:',
      '        name: A100',
      '        count: 2',
      '        memory: 40GB',
      '      shm_size: 512MB',
      '      interruptible: true',
    );
    const set = parseWorkflowText(text, FILE);
    expect(set.issues).toEqual([]);
    expect(set.workflows.map((w) => w.name)).toEqual(['prepare', 'train']);
    expect(set.workflows[1]).toEqual({
      name: 'train',
      help: 'Trains the model',
      provider: 'bash',
      python: '3.10',
      workingDir: 'src',
      env: { PYTHONPATH: 'src', TOKEN: '${{ secrets.HF_TOKEN }}', EMPTY: '' },
      commands: [
        'pip install -r requirements.txt',
        'python train.py --run ${{ run.name }} ${{ run.args }} --key ${{ secrets.WANDB_KEY }}',
        'true',
      ],
      artifacts: [{ path: 'checkpoint', mount: true }, { path: 'logs', mount: false }],
      deps: [{ workflow: 'prepare' }, { tag: 'mnist-v1' }],
      cache: ['.cache/pip', 'data'],
      ports: 2,
      resources: { cpu: 4, memoryMiB: 16384, gpu: { name: 'A100', count: 2, memoryMiB: 40960 }, shmSizeMiB: 512, interruptible: true },
      secretNames: ['HF_TOKEN', 'WANDB_KEY'],
      source: { file: FILE, line: 5 },
      depSources: [
        { file: FILE, line: 23, column: 19, field: 'workflows[1].deps[0].workflow' },
        { file: FILE, line: 24, column: 14, field: 'workflows[1].deps[1].tag' },
      ],
    } satisfies Workflow);
  });

  it('applies defaults: bash, no env, no artifacts, no ports, not interruptible', () => {
    expect(only(yaml('workflows:', '  - name: hello', '    commands: [echo hi]'))).toEqual({
      name: 'hello', provider: 'bash', commands: ['echo hi'], env: {}, artifacts: [], deps: [], cache: [], ports: 0,
      resources: { interruptible: false }, secretNames: [], source: { file: FILE, line: 2 }, depSources: [],
    });
  });

  it('takes commands as one string, as dstack 0.7 does, plain or as a block', () => {
    expect(only(yaml('workflows:', '  - name: hello', '    commands: echo hi && echo ${{ run.name }}')).commands).toEqual(['echo hi && echo ${{ run.name }}']);
    const block = only(yaml('workflows:', '  - name: hello', '    commands: |', '      for i in 1 2; do', '        echo $i', '      done'));
    expect(block.commands).toEqual(['for i in 1 2; do\n  echo $i\ndone\n']);
  });

  it('reads a docker workflow with image and entrypoint, commands optional', () => {
    const wf = only(yaml('workflows:', '  - name: serve', '    provider: docker', '    image: nginx:${{ run.args }}', '    entrypoint: /bin/sh -c'));
    expect(wf).toMatchObject({ provider: 'docker', image: 'nginx:${{ run.args }}', entrypoint: '/bin/sh -c', commands: [] });
  });

  it('keeps python versions as written', () => {
    for (const [written, kept] of [['3.10', '3.10'], ['3.9', '3.9'], ['"3.11"', '3.11'], ['3', '3'], ['3.10.4', '3.10.4']] as const) {
      expect(only(yaml('workflows:', '  - name: p', `    python: ${written}`, '    commands: [python -V]')).python).toBe(kept);
    }
  });

  it('reads env as a list or as a map, the same way', () => {
    const list = only(yaml('workflows:', '  - name: e', '    commands: [env]', '    env:', '      - A=1', '      - B=x=y', '      - C=true'));
    const map = only(yaml('workflows:', '  - name: e', '    commands: [env]', '    env:', '      A: 1', '      B: x=y', '      C: true'));
    expect(list.env).toEqual({ A: '1', B: 'x=y', C: 'true' });
    expect(map.env).toEqual(list.env);
  });

  it('reads gpu as a number or as a map', () => {
    const gpu = (v: string) => only(yaml('workflows:', '  - name: g', '    commands: [nvidia-smi]', '    resources:', `      gpu: ${v}`)).resources.gpu;
    expect(gpu('2')).toEqual({ count: 2 });
    expect(gpu('0')).toBeUndefined();
    expect(gpu('{name: V100}')).toEqual({ name: 'V100', count: 1 });
    expect(gpu('{count: 4, memory: 24GiB}')).toEqual({ count: 4, memoryMiB: 24576 });
  });

  it('accepts artifacts and cache as plain strings or {path}', () => {
    const wf = only(yaml('workflows:', '  - name: a', '    commands: [ls]', '    artifacts: [out, {path: models}]', '    cache: [.pip, {path: data}]'));
    expect(wf.artifacts).toEqual([{ path: 'out', mount: false }, { path: 'models', mount: false }]);
    expect(wf.cache).toEqual(['.pip', 'data']);
  });

  it('keeps commands that YAML would read as numbers or booleans as written', () => {
    expect(only(yaml('workflows:', '  - name: c', '    commands:', '      - true', '      - 0x1F', '      - 1.50')).commands).toEqual(['true', '0x1F', '1.50']);
  });

  it('follows anchors and aliases', () => {
    const set = parseWorkflowText(yaml(
      'workflows:',
      '  - name: a',
      '    commands: [echo a]',
      '    resources: &big',
      '      memory: 2GB',
      '  - name: b',
      '    commands: [echo b]',
      '    resources: *big',
    ), FILE);
    expect(set.issues).toEqual([]);
    expect(set.workflows.map((w) => w.resources.memoryMiB)).toEqual([2048, 2048]);
  });

  it('reads the hello example shipped in examples/', async () => {
    const { readFile } = await import('node:fs/promises');
    const file = '.dstack/workflows/hello.yaml';
    const text = await readFile(new URL(`../../../examples/hello/${file}`, import.meta.url), 'utf8');
    const set = parseWorkflowText(text, file);
    expect(set.issues).toEqual([]);
    const [hello, dep] = set.workflows;
    expect(hello).toMatchObject({ name: 'hello', provider: 'bash', artifacts: [{ path: 'output', mount: false }] });
    expect(hello!.help).toBeTruthy();
    expect(hello!.commands.join('\n')).toContain('output/hello.txt');
    expect(dep).toMatchObject({ name: 'hello-dep', deps: [{ workflow: 'hello' }], commands: ['cat output/hello.txt'] });
  });
});
