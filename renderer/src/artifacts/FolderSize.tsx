/** A folder row's size cell: "counting…" until its total arrives, then bytes and file count. */
import { useRef } from 'react';
import { formatBytes } from '../components/format';
import { useFolderTotal } from './useFolderTotal';

export function FolderSize({ itemId }: { itemId: string }) {
  const cell = useRef<HTMLSpanElement>(null);
  const t = useFolderTotal(itemId, cell);
  const text =
    t.state === 'ready' ? `${formatBytes(t.total.bytes)} · ${t.total.files.toLocaleString('en-US')} ${t.total.files === 1 ? 'file' : 'files'}`
    : t.state === 'counting' ? 'counting…'
    : 'size unknown';
  return (
    <span ref={cell} className="muted size" aria-busy={t.state === 'counting'} title={t.state === 'failed' ? t.message : undefined}>
      {text}
    </span>
  );
}
