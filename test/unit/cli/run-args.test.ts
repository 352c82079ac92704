import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../main/cli/commands/run';
import type { CliContext } from '../../../main/cli/context';
import { splitRunArgv } from '../../../main/cli/run-args';

/** The real `run` command's options, so the split follows what `dstack run --help` lists. */
const OPTIONS = runCommand({} as CliContext).options;
const split = (...argv: string[]) => splitRunArgv(OPTIONS, argv);

describe('dstack run splits its command line as dstack 0.7 did', () => {
  it('takes its own options anywhere, with their values in every spelling', () => {
    expect(split('train', '-d', '--tag=v1', '-tv2', '--cpu', '4', 'x')).toEqual({
      dstack: ['-d', '--tag=v1', '-tv2', '--cpu', '4'], workflow: 'train', args: ['x'],
    });
  });

  it('passes unknown options and everything after -- to the workflow', () => {
    expect(split('train', '--lr', '0.1', '-x', '--', '-d', '--')).toEqual({ dstack: [], workflow: 'train', args: ['--lr', '0.1', '-x', '-d', '--'] });
  });

  it('leaves an unknown option before the name to commander, and reads the name after a leading --', () => {
    expect(split('--bogus', 'train')).toEqual({ dstack: ['--bogus'], workflow: 'train', args: [] });
    expect(split('-d', '--', 'train', '-d')).toEqual({ dstack: ['-d'], workflow: 'train', args: ['-d'] });
  });
});
