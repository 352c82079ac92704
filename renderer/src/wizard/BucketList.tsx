/**
 * The buckets the credentials can list, filtered by what is typed in the name
 * field. A listbox, so arrow keys move and Enter picks.
 */
import { useState, type KeyboardEvent } from 'react';

export function BucketList({ buckets, filter, selected, onPick }: {
  buckets: { name: string; region?: string }[];
  filter: string;
  selected: string;
  onPick: (name: string) => void;
}) {
  const needle = filter.trim().toLowerCase();
  const shown = buckets.filter((b) => b.name.toLowerCase().includes(needle) || b.name === selected);
  const [active, setActive] = useState(0);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') setActive((i) => Math.min(i + 1, shown.length - 1));
    else if (e.key === 'ArrowUp') setActive((i) => Math.max(i - 1, 0));
    else if (e.key === 'Enter' && shown[active]) onPick(shown[active].name);
    else return;
    e.preventDefault();
  };
  if (shown.length === 0) return <p className="muted">No bucket matches “{filter}”. You can still use the name as typed.</p>;
  return (
    <ul role="listbox" aria-label="Buckets" tabIndex={0} className="listbox" onKeyDown={onKey}
      aria-activedescendant={shown[active] ? `bucket-${shown[active].name}` : undefined}>
      {shown.map((b, i) => (
        <li key={b.name} id={`bucket-${b.name}`} role="option" aria-selected={b.name === selected}
          className={i === active ? 'active' : undefined} onClick={() => onPick(b.name)}>
          {b.name}
          {b.region && <span className="muted"> · {b.region}</span>}
        </li>
      ))}
    </ul>
  );
}
