import { describe, expect, it } from 'vitest';
import { isRunName, nextRunName } from '../../../main/core/names';

describe('run names', () => {
  it('are adjective-animal-N', () => {
    const name = nextRunName([]);
    expect(name).toMatch(/^[a-z]+-[a-z]+-1$/);
    expect(isRunName(name)).toBe(true);
  });

  it('count N up past the highest already used with the same pair', () => {
    const fixed = () => 0; // always the first adjective and animal
    const first = nextRunName([], fixed);
    const pair = first.replace(/-1$/, '');
    expect(nextRunName([`${pair}-1`, `${pair}-4`, 'other-pair-9'], fixed)).toBe(`${pair}-5`);
  });

  it('ignore other pairs when counting', () => {
    const fixed = () => 0;
    const pair = nextRunName([], fixed).replace(/-1$/, '');
    expect(nextRunName(['calm-owl-7', 'brave-yak-3'], fixed)).toBe(`${pair}-1`);
  });
});
