import { describe, expect, it } from 'vitest';
import { parseRunnerArgs } from '../../../main/runner/main';

describe('runner command line', () => {
  it('reads the backend config, repo, job and executor', () => {
    const args = parseRunnerArgs(['--config', '{"type":"local","home":"/h"}', '--repo', 'r-1', '--job', 'a-b-1,w,0', '--executor', 'docker']);
    expect(args).toEqual({ config: { type: 'local', home: '/h' }, repo: 'r-1', jobId: 'a-b-1,w,0', executor: 'docker' });
  });

  it('names the flag that is wrong', () => {
    expect(() => parseRunnerArgs(['--repo', 'r'])).toThrow('The runner needs --config, --repo and --job.');
    expect(() => parseRunnerArgs(['--config', '{', '--repo', 'r', '--job', 'j'])).toThrow('Runner option --config is not valid JSON.');
    expect(() => parseRunnerArgs(['--config', '{"type":"local"}', '--repo', 'r', '--job', 'j', '--executor', 'vm'])).toThrow(
      'Runner option --executor is "vm"; allowed: process, docker.',
    );
    expect(() => parseRunnerArgs(['--verbose', 'x'])).toThrow('Unknown runner option --verbose.');
  });
});
