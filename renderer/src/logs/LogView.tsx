/**
 * The virtual list of log lines: only the rows in view (plus a few) are in
 * the DOM, whatever the log's length. Follow mode keeps it at the bottom; a
 * scroll upward by the user pauses it, and reaching the bottom resumes it.
 * Growth of the content alone never changes scrollTop, so it cannot be
 * mistaken for the user scrolling.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef } from 'react';
import { AnsiLine } from './AnsiLine';
import type { LogStore } from './log-store';

const ROW_PX = 18;

function clock(ms: number): string {
  const d = new Date(ms);
  return `${d.toTimeString().slice(0, 8)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

export function LogView({ store, count, timestamps, wrap, follow, onFollow, current }: {
  store: LogStore;
  count: number;
  timestamps: boolean;
  wrap: boolean;
  follow: boolean;
  onFollow: (on: boolean) => void;
  /** The line of the current search match, highlighted and scrolled into view. */
  current: number;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const lastTop = useRef(0);
  const virtual = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_PX,
    overscan: 8,
  });

  useLayoutEffect(() => {
    const el = scroller.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
  }, [follow, count, wrap, timestamps]);

  useEffect(() => {
    if (current >= 0) virtual.scrollToIndex(current, { align: 'center' });
  }, [current, virtual]);

  useEffect(() => virtual.measure(), [wrap, timestamps, virtual]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < ROW_PX;
    if (atBottom && !follow) onFollow(true);
    else if (!atBottom && el.scrollTop < lastTop.current && follow) onFollow(false);
    lastTop.current = el.scrollTop;
  };

  return (
    <div ref={scroller} className={`log-view${wrap ? ' wrap' : ''}`} role="log" aria-label="Log output" tabIndex={0} onScroll={onScroll}>
      <div className="log-canvas" style={{ height: virtual.getTotalSize() }}>
        {virtual.getVirtualItems().map((row) => {
          const line = store.line(row.index);
          if (!line) return null;
          return (
            <div key={row.key} data-index={row.index} ref={wrap ? virtual.measureElement : undefined}
              className={`log-row ${line.stream}${row.index === current ? ' match' : ''}`}
              style={{ transform: `translateY(${row.start}px)`, height: wrap ? undefined : ROW_PX }}>
              {timestamps && <span className="ts">{clock(line.time)} </span>}
              <AnsiLine text={line.text} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
