/**
 * The tree and its folders. A folder's children are listed lazily when it
 * opens, a page at a time, with a "Load more" row while the listing has
 * further pages; folders nest by recursion, one prefix each, each open
 * folder's group inside its own treeitem as the ARIA tree pattern has it.
 */
import { useEffect, useRef, useState } from 'react';
import type { ArtifactEntry, ArtifactSource } from '../../../main/common/api/operations';
import { ErrorNote } from '../components/ErrorNote';
import { ArtifactRow } from './ArtifactRow';
import { RovingContext, useNewRovingStore, useSetTabStop, useTabStop } from './roving';
import { onTreeKey } from './tree-keys';
import { childPrefix, useListing } from './useListing';

interface Props {
  projectId: string;
  source: ArtifactSource;
  prefix: string;
  level: number;
  ipc: boolean;
}

/** The whole tree for one source; remount it (a new `key`) when the source changes. */
export function ArtifactTree({ labelledBy, ...rest }: Omit<Props, 'prefix' | 'level'> & { labelledBy: string }) {
  const roving = useNewRovingStore();
  return (
    <RovingContext.Provider value={roving}>
      <ArtifactChildren {...rest} prefix="" level={1} labelledBy={labelledBy} />
    </RovingContext.Provider>
  );
}

/** The rows directly under `prefix`: the tree itself at level 1, a folder's group below. */
function ArtifactChildren({ projectId, source, prefix, level, ipc, labelledBy }: Props & { labelledBy?: string }) {
  const listing = useListing(projectId, source, prefix, true);
  const box = useRef<HTMLDivElement>(null);
  const [focusAt, setFocusAt] = useState<number | null>(null);

  // After "Load more", focus moves to the first new row, so the keyboard user carries on where they were.
  useEffect(() => {
    if (focusAt === null || listing.loading) return;
    const next = box.current?.children[focusAt];
    if (next?.getAttribute('role') === 'treeitem') (next as HTMLElement).focus();
    setFocusAt(null);
  }, [focusAt, listing.loading]);

  const loadMore = () => {
    setFocusAt(listing.entries.length);
    listing.loadMore();
  };
  const props = level === 1 ? { role: 'tree', 'aria-labelledby': labelledBy, className: 'tree' } : { role: 'group' };
  const more = listing.next && !listing.loading;
  // A tree or group may hold only tree items: notes about loading, errors or emptiness go beside it, and an empty one is not drawn.
  return (
    <>
      {(listing.entries.length > 0 || more) && (
        <div ref={box} {...props}>
          {listing.entries.map((e, i) =>
            e.isDir ? (
              <ArtifactFolder key={e.id} entry={e} first={level === 1 && i === 0} projectId={projectId} source={source} prefix={childPrefix(prefix, e)} level={level} ipc={ipc} />
            ) : (
              <ArtifactRow key={e.id} entry={e} first={level === 1 && i === 0} level={level} ipc={ipc} />
            ),
          )}
          {more && <LoadMore id={`more:${prefix}`} level={level} onLoad={loadMore} />}
        </div>
      )}
      {listing.loading && <p className="muted" role="status">Loading…</p>}
      <ErrorNote error={listing.error} />
      {!listing.loading && !listing.error && listing.entries.length === 0 && level === 1 && <p className="muted">This run saved no artifacts.</p>}
    </>
  );
}

function ArtifactFolder({ entry, first, ...rest }: Props & { entry: ArtifactEntry; first: boolean }) {
  const [open, setOpen] = useState(false);
  const setTabStop = useSetTabStop();
  const toggle = () => {
    // Closing hides the rows inside, one of which may be the tab stop: the folder takes it over.
    if (open) setTabStop(entry.id);
    setOpen(!open);
  };
  return (
    <ArtifactRow entry={entry} first={first} level={rest.level} ipc={rest.ipc} expanded={open} onToggle={toggle}>
      {open && <ArtifactChildren {...rest} level={rest.level + 1} />}
    </ArtifactRow>
  );
}

/** "Load more" as a row of the tree, so arrow keys reach it and Enter loads the next page. */
function LoadMore({ id, level, onLoad }: { id: string; level: number; onLoad: () => void }) {
  const tabStop = useTabStop(id, false);
  const setTabStop = useSetTabStop();
  return (
    <div role="treeitem" aria-level={level} aria-label="Load more" className="artifact-item load-more" tabIndex={tabStop ? 0 : -1}
      onFocus={() => setTabStop(id)} onClick={onLoad} onKeyDown={(e) => onTreeKey(e, { activate: onLoad })}>
      <div className="artifact-row link" style={{ paddingInlineStart: `${level - 1}rem` }}>
        Load more…
      </div>
    </div>
  );
}
