import { describe, expect, it } from 'vitest';
import { closest } from '../../../main/core/workflow/suggest';

describe('closest', () => {
  it('finds typos: a missing, extra, swapped or wrong letter', () => {
    expect(closest('comands', ['name', 'commands'])).toBe('commands');
    expect(closest('commandss', ['commands'])).toBe('commands');
    expect(closest('dokcer', ['bash', 'docker'])).toBe('docker');
    expect(closest('WorkFlows', ['workflows'])).toBe('workflows');
  });

  it('does not suggest unrelated words, nor guess for one- and two-letter words', () => {
    expect(closest('colour', ['name', 'commands', 'image'])).toBeUndefined();
    expect(closest('d', ['a', 'c'])).toBeUndefined();
    expect(closest('ab', ['ac'])).toBeUndefined();
    expect(closest('AB', ['ab'])).toBe('ab');
  });
});
