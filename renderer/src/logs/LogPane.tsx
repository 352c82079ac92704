/**
 * A run's live log: the stream, the virtual view, and its tools. Keyed by run
 * by its parent, so each run gets a fresh store; a finished run's log comes
 * back complete from the same `logs.follow` call.
 */
import { useEffect, useState } from 'react';
import { ErrorNote } from '../components/ErrorNote';
import { formatBytes } from '../components/format';
import { LogStore } from './log-store';
import { LogToolbar } from './LogToolbar';
import { LogView } from './LogView';
import { findLine } from './search';
import { useLogStream } from './useLogStream';
import { useSaveLog, type SaveLogState } from './useSaveLog';

function saveNotice(s: SaveLogState): string {
  if (s.state === 'running') return `Saving the log… ${formatBytes(s.bytes)}`;
  if (s.state === 'done') return `Log saved (${formatBytes(s.bytes)}).`;
  if (s.state === 'not-saved') return 'Not saved.';
  if (s.state === 'cancelled') return 'Saving cancelled.';
  return '';
}

export function LogPane({ projectId, runName, cap, onProgress }: {
  projectId: string;
  runName: string;
  cap?: number;
  /** Lines so far and whether the log has ended, so the run's header keeps in step with its log. */
  onProgress?: (lines: number, done: boolean) => void;
}) {
  const [store] = useState(() => new LogStore(cap));
  const { count, done, error } = useLogStream(store, projectId, runName);
  const [timestamps, setTimestamps] = useState(false);
  const [wrap, setWrap] = useState(false);
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(-1);
  const [notice, setNotice] = useState('');
  const save = useSaveLog(projectId, runName);
  useEffect(() => onProgress?.(count, done), [count, done]);

  const find = (dir: 1 | -1) => {
    const from = current >= 0 ? current : dir === 1 ? -1 : count;
    const i = findLine(store, query, from, dir);
    setCurrent(i);
    if (i >= 0) setFollow(false);
  };
  const copy = async () => {
    const text = window.getSelection()?.toString() ?? '';
    if (!text) return setNotice('Select some lines first.');
    await navigator.clipboard.writeText(text).then(() => setNotice('Copied.'), () => setNotice('The clipboard is not available here.'));
  };
  const saveLog = async () => {
    setNotice('');
    await save.save();
  };
  const saving = saveNotice(save.status);

  return (
    <section className="log-pane" aria-label={`Log of ${runName}`}>
      <LogToolbar timestamps={timestamps} wrap={wrap} query={query} saving={save.status.state === 'running'}
        matchLabel={query ? (current >= 0 ? `line ${current + 1}` : 'no match') : ''}
        onTimestamps={setTimestamps} onWrap={setWrap} onQuery={(q) => { setQuery(q); setCurrent(-1); }}
        onFind={find} onCopy={() => void copy()} onSave={() => void saveLog()} />
      {store.truncated && (
        <p className="muted" role="status">
          Showing the last {store.size.toLocaleString()} of {store.total.toLocaleString()} lines. The full log is in the saved file: use Save full log.
        </p>
      )}
      <ErrorNote error={error ?? save.status.error} />
      <LogView store={store} count={count} timestamps={timestamps} wrap={wrap} follow={follow} onFollow={setFollow} current={current} />
      <div className="log-status">
        <span className="muted" aria-live="polite">
          {count.toLocaleString()} lines{done ? (error ? ' · stopped' : ' · finished') : ' · live'} {saving && `· ${saving}`} {notice && `· ${notice}`}
        </span>
        {!follow && (
          <button type="button" onClick={() => { setCurrent(-1); setFollow(true); }}>
            Jump to latest
          </button>
        )}
      </div>
    </section>
  );
}
