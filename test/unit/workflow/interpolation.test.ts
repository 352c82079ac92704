import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DstackError } from '../../../main/common/errors';
import {
  findWorkflow, interpolateSecrets, parseWorkflowText, scanExpressions, shellQuote, toJobSpec,
} from '../../../main/core/workflow';
import { FILE, yaml } from './helpers';

const TEXT = yaml(
  'workflows:',
  '  - name: train',
  '    working_dir: runs/${{ run.name }}',
  '    env:',
  '      RUN: ${{run.name}}',
  '      TOKEN: ${{ secrets.TOKEN }}',
  '    commands:',
  '      - echo ${{ run.name }} ${{ run.args }}',
  `      - 'curl -H "auth: \${{ secrets.TOKEN }}" -d \${{ secrets.BODY }}'`,
  '  - name: serve',
  '    provider: docker',
  '    image: app:${{ run.args }}',
  '    entrypoint: /serve --name ${{ run.name }}',
);

/** What bash makes of a command line: the words it passes to a program. */
function words(cmdline: string): string[] {
  const out = spawnSync('bash', ['-c', `for w in ${cmdline}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8' });
  return out.stdout.split('\0').slice(0, -1);
}

describe('interpolation', () => {
  const set = parseWorkflowText(TEXT, FILE);

  it('collects the secrets a workflow refers to, once each', () => {
    expect(set.issues).toEqual([]);
    expect(findWorkflow(set, 'train').secretNames).toEqual(['BODY', 'TOKEN']);
    expect(findWorkflow(set, 'serve').secretNames).toEqual([]);
  });

  it('substitutes run.name and run.args into commands, env and working_dir, and leaves secrets', () => {
    const spec = toJobSpec(findWorkflow(set, 'train'), { name: 'wise-fox-1', args: ['--epochs', '3'] });
    expect(spec.commands).toEqual([
      'echo wise-fox-1 --epochs 3',
      'curl -H "auth: ${{ secrets.TOKEN }}" -d ${{ secrets.BODY }}',
    ]);
    expect(spec.env).toEqual({ RUN: 'wise-fox-1', TOKEN: '${{ secrets.TOKEN }}' });
    expect(spec.workingDir).toBe('runs/wise-fox-1');
    expect(spec.workflowName).toBe('train');
  });

  it('substitutes into image and entrypoint', () => {
    const spec = toJobSpec(findWorkflow(set, 'serve'), { name: 'calm-owl-2', args: ['v2'] });
    expect(spec.image).toBe('app:v2');
    expect(spec.entrypoint).toBe('/serve --name calm-owl-2');
  });

  it('does not change the workflow it was built from', () => {
    const wf = findWorkflow(set, 'train');
    toJobSpec(wf, { name: 'x-y-1', args: [] }).commands.push('rm -rf /');
    expect(wf.commands).toHaveLength(2);
    expect(wf.commands[0]).toBe('echo ${{ run.name }} ${{ run.args }}');
  });

  it('shell-quotes each argument only when needed, so bash sees the same words', () => {
    const args = ['plain', 'two words', "it's", '$HOME', '', 'a"b', '*', '--lr=0.1', '${{ secrets.TOKEN }}'];
    const joined = toJobSpec(findWorkflow(set, 'train'), { name: 'r-1', args }).commands[0]!.slice('echo r-1 '.length);
    expect(joined.startsWith("plain 'two words' 'it'\\''s' '$HOME' '' ")).toBe(true);
    expect(words(joined)).toEqual(args);
    expect(shellQuote('--lr=0.1')).toBe('--lr=0.1');
  });

  it('an argument cannot smuggle in a secret expression', () => {
    const spec = toJobSpec(findWorkflow(set, 'train'), { name: 'r-1', args: ['${{ secrets.TOKEN }}'] });
    expect(scanExpressions(spec.commands[0]!).secretNames).toEqual([]);
    expect(interpolateSecrets(spec.commands[0]!, { TOKEN: 'hunter2' })).not.toContain('hunter2');
  });

  it('interpolateSecrets fills in values, and names a secret that is not set', () => {
    expect(interpolateSecrets('a ${{ secrets.TOKEN }} b ${{secrets.TOKEN}} ${{ run.name }}', { TOKEN: 's3cr$t' }))
      .toBe('a s3cr$t b s3cr$t ${{ run.name }}');
    const err = (() => {
      try {
        interpolateSecrets('x ${{ secrets.MISSING }}', { TOKEN: 'v' });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DstackError);
    expect((err as DstackError).code).toBe('not_found');
    expect((err as DstackError).toLine()).toBe('The workflow uses the secret MISSING, but it is not set. Add it with: dstack secrets add MISSING');
  });

  it('does not take object prototype names for secret values', () => {
    expect(() => interpolateSecrets('${{ secrets.constructor }}', {})).toThrow('secret constructor');
  });

  it('does not substitute a secret value that itself looks like an expression', () => {
    expect(interpolateSecrets('${{ secrets.A }}', { A: '${{ secrets.B }}', B: 'no' })).toBe('${{ secrets.B }}');
    expect(interpolateSecrets('[${{ secrets.A }}]', { A: "$&$'$`" })).toBe("[$&$'$`]");
  });
});
