/**
 * A folder's children, listed lazily when it opens, with "Load more" while the
 * listing has further pages. Folders nest by recursion, one prefix each.
 */
import { useState } from 'react';
import type { ArtifactEntry, ArtifactSource } from '../../../main/common/api/operations';
import { ErrorNote } from '../components/ErrorNote';
import { ArtifactRow } from './ArtifactRow';
import { childPrefix, useListing } from './useListing';

interface Props {
  projectId: string;
  source: ArtifactSource;
  prefix: string;
  level: number;
  ipc: boolean;
}

export function ArtifactChildren({ projectId, source, prefix, level, ipc }: Props) {
  const listing = useListing(projectId, source, prefix, true);
  return (
    <div role="group">
      {listing.entries.map((e) =>
        e.isDir ? (
          <ArtifactFolder key={e.id} entry={e} projectId={projectId} source={source} prefix={childPrefix(prefix, e)} level={level} ipc={ipc} />
        ) : (
          <ArtifactRow key={e.id} entry={e} level={level} ipc={ipc} />
        ),
      )}
      {listing.loading && <p className="muted" role="status">Loading…</p>}
      <ErrorNote error={listing.error} />
      {listing.next && !listing.loading && (
        <button type="button" onClick={listing.loadMore} style={{ marginInlineStart: `${level}rem` }}>
          Load more
        </button>
      )}
      {!listing.loading && !listing.error && listing.entries.length === 0 && level === 1 && <p className="muted">No artifacts.</p>}
    </div>
  );
}

function ArtifactFolder({ entry, ...rest }: Props & { entry: ArtifactEntry }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <ArtifactRow entry={entry} level={rest.level} ipc={rest.ipc} expanded={open} onToggle={() => setOpen(!open)} />
      {open && <ArtifactChildren {...rest} level={rest.level + 1} />}
    </>
  );
}
