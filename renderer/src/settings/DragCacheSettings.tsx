/**
 * The drag cache in Settings: what it holds against its cap, and a button
 * that empties it, with the size on the button so the user knows what
 * clearing frees before pressing it.
 */
import { useEffect, useState } from 'react';
import { useApi } from '../api/context';
import { ErrorNote } from '../components/ErrorNote';
import { formatBytes } from '../components/format';
import { useAction } from '../components/useAction';
import { toast } from '../shell/toasts';

export function DragCacheSettings() {
  const api = useApi();
  const [usage, setUsage] = useState<{ bytes: number; entries: number; maxBytes: number } | null>(null);
  const load = useAction(() => api.call('artifacts.cacheUsage', undefined));
  const clear = useAction(() => api.call('artifacts.clearCache', undefined));

  useEffect(() => void load.run().then((u) => u && setUsage(u)), [api]);

  const onClear = async () => {
    const out = await clear.run();
    if (!out) return;
    toast(`Freed ${formatBytes(out.freedBytes)} from the drag cache.`);
    setUsage((u) => (u ? { ...u, bytes: out.bytes, entries: out.bytes ? u.entries : 0 } : u));
  };

  return (
    <section aria-labelledby="drag-cache-title">
      <h2 id="drag-cache-title">Drag cache</h2>
      <p className="muted">
        Artifacts are downloaded here before they are dragged out or sent to the browser. The least recently used are removed when it grows past its limit.
      </p>
      {usage && (
        <p>
          {formatBytes(usage.bytes)} in {usage.entries} {usage.entries === 1 ? 'item' : 'items'}, limit {formatBytes(usage.maxBytes)}
        </p>
      )}
      <button type="button" disabled={!usage || usage.bytes === 0 || clear.busy} onClick={() => void onClear()}>
        Clear drag cache{usage ? ` (${formatBytes(usage.bytes)})` : ''}
      </button>
      <ErrorNote error={load.error ?? clear.error} />
    </section>
  );
}
