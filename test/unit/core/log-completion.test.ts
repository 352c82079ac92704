// When a followed CloudWatch or Cloud Logging log is complete, on a clock the test moves.
import { describe, expect, it } from 'vitest';
import { LogCompletion } from '../../../main/core/log-completion';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('LogCompletion', () => {
  it('is not complete while the job runs, even with every line read', () => {
    const c = new LogCompletion(30_000, undefined, clock().now);
    c.counted(3);
    c.ended('t1', 3);
    expect(c.passEnded(false)).toBe(false);
    expect(c.passEnded(true)).toBe(true);
  });

  it('waits for the lines of every sink that wrote to the log, and counts a resent end once', () => {
    const t = clock();
    const c = new LogCompletion(30_000, undefined, t.now);
    c.ended('first-runner', 4);
    c.ended('first-runner', 4);
    c.ended('second-runner', 2);
    c.counted(4);
    expect(c.passEnded(true), 'read 4 of the 6 the two ends count').toBe(false);
    c.counted(2);
    expect(c.passEnded(true)).toBe(true);
  });

  it('without an end, is complete once the job has ended and nothing new has shown for the settle time', () => {
    const t = clock();
    const c = new LogCompletion(30_000, undefined, t.now);
    c.counted(5);
    expect(c.passEnded(true), 'the pass found lines').toBe(false);
    expect(c.passEnded(true), 'the first quiet pass').toBe(false);
    t.advance(29_999);
    c.counted(1);
    expect(c.passEnded(true), 'a late line starts the quiet time again').toBe(false);
    t.advance(29_999);
    expect(c.passEnded(true), 'the first quiet pass after it').toBe(false);
    t.advance(30_000);
    expect(c.passEnded(true)).toBe(true);
  });

  it('takes one pass for a log without an end whose job ended longer ago than the settle time, and none less for a recent one', () => {
    const t = clock();
    expect(new LogCompletion(30_000, t.now() - 30_000, t.now).passEnded(true)).toBe(true);
    expect(new LogCompletion(30_000, t.now() - 29_000, t.now).passEnded(true)).toBe(false);
  });
});
