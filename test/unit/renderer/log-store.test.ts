// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../../main/common/api/operations';
import { LogStore } from '../../../renderer/src/logs/log-store';
import { findLine } from '../../../renderer/src/logs/search';

function lines(from: number, n: number): LogEvent[] {
  return Array.from({ length: n }, (_, i) => ({ id: String(from + i), time: 1000 + from + i, stream: i % 2 ? 'stderr' : 'stdout', text: `line ${from + i}` }));
}

describe('LogStore', () => {
  it('keeps every line in order under the cap, across chunk boundaries', () => {
    const s = new LogStore(100_000);
    s.append(lines(0, 5000));
    s.append(lines(5000, 5000));
    expect(s.size).toBe(10_000);
    expect(s.truncated).toBe(false);
    expect(s.line(0)).toEqual({ text: 'line 0', time: 1000, stream: 'stdout' });
    expect(s.line(4096)?.text).toBe('line 4096');
    expect(s.line(9999)).toEqual({ text: 'line 9999', time: 10999, stream: 'stderr' });
    expect(s.line(10_000)).toBeUndefined();
  });

  it('past the cap keeps exactly the tail and says it is truncated', () => {
    const s = new LogStore(10_000);
    for (let i = 0; i < 25; i++) s.append(lines(i * 1000, 1000));
    expect(s.total).toBe(25_000);
    expect(s.size).toBe(10_000);
    expect(s.truncated).toBe(true);
    expect(s.line(0)?.text).toBe('line 15000');
    expect(s.line(5000)?.text).toBe('line 20000');
    expect(s.line(9999)?.text).toBe('line 24999');
  });

  it('holds a million lines with a smaller cap without growing past it', () => {
    const s = new LogStore(200_000);
    for (let i = 0; i < 100; i++) s.append(lines(i * 10_000, 10_000));
    expect(s.size).toBe(200_000);
    expect(s.line(0)?.text).toBe('line 800000');
    expect(s.line(199_999)?.text).toBe('line 999999');
  });

  it('notifies subscribers and clears', () => {
    const s = new LogStore(10_000);
    let n = 0;
    const off = s.subscribe(() => n++);
    s.append(lines(0, 3));
    s.append([]);
    s.clear();
    off();
    s.append(lines(0, 1));
    expect(n).toBe(2);
    expect(s.size).toBe(1);
    expect(s.truncated).toBe(false);
  });

  it('search finds next and previous matches, wrapping, ignoring ANSI codes', () => {
    const s = new LogStore(10_000);
    s.append([...lines(0, 10), { id: 'x', time: 0, stream: 'stdout', text: '\x1b[31mERROR\x1b[0m disk full' }]);
    expect(findLine(s, 'error disk', -1, 1)).toBe(10);
    expect(findLine(s, 'line 3', 3, 1)).toBe(3);
    expect(findLine(s, 'line 3', 5, -1)).toBe(3);
    expect(findLine(s, 'nothing', 0, 1)).toBe(-1);
    expect(findLine(s, '31m', 0, 1)).toBe(-1);
  });
});
