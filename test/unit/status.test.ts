import { describe, expect, it } from 'vitest';
import { assertTransition, canTransition, JOB_STATUSES, statusRank } from '../../main/common/status';

describe('job state machine', () => {
  it('allows the normal path from submitted to done', () => {
    const path = ['submitted', 'downloading', 'running', 'uploading', 'done'] as const;
    for (let i = 1; i < path.length; i++) expect(canTransition(path[i - 1]!, path[i]!)).toBe(true);
  });

  it('lets a graceful stop upload artifacts before it is stopped', () => {
    expect(canTransition('running', 'stopping')).toBe(true);
    expect(canTransition('stopping', 'uploading')).toBe(true);
    expect(canTransition('uploading', 'stopped')).toBe(true);
  });

  it('refuses to leave a terminal status, naming both ends', () => {
    for (const end of ['done', 'failed', 'stopped', 'aborted'] as const) {
      for (const s of JOB_STATUSES) expect(canTransition(end, s)).toBe(false);
    }
    expect(() => assertTransition('done', 'running')).toThrow('A job cannot go from done to running.');
  });

  it('ranks every legal transition upward, so the newest head wins', () => {
    for (const a of JOB_STATUSES) for (const b of JOB_STATUSES) {
      if (canTransition(a, b)) expect(statusRank(b)).toBeGreaterThan(statusRank(a));
    }
  });
});
