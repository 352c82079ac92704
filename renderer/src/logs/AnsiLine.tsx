/**
 * One log line drawn from parsed segments. Text goes in as React children
 * (escaped), colours as class names or numeric rgb() styles, so nothing in a
 * log can become markup.
 */
import { memo, type CSSProperties } from 'react';
import { parseAnsi, type Segment } from './ansi';

function classes(s: Segment): string | undefined {
  const c: string[] = [];
  if (typeof s.fg === 'number') c.push(`fg${s.fg}`);
  if (typeof s.bg === 'number') c.push(`bg${s.bg}`);
  if (s.bold) c.push('b');
  if (s.dim) c.push('dim');
  if (s.italic) c.push('i');
  if (s.underline) c.push('u');
  if (s.inverse) c.push('inv');
  return c.length ? c.join(' ') : undefined;
}

function style(s: Segment): CSSProperties | undefined {
  if (typeof s.fg !== 'string' && typeof s.bg !== 'string') return undefined;
  return { color: typeof s.fg === 'string' ? s.fg : undefined, backgroundColor: typeof s.bg === 'string' ? s.bg : undefined };
}

export const AnsiLine = memo(function AnsiLine({ text }: { text: string }) {
  const segments = parseAnsi(text);
  if (segments.length === 1 && !classes(segments[0]!) && !style(segments[0]!)) return <>{segments[0]!.text}</>;
  return (
    <>
      {segments.map((s, i) => (
        <span key={i} className={classes(s)} style={style(s)}>
          {s.text}
        </span>
      ))}
    </>
  );
});
