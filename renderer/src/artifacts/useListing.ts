/**
 * One folder's entries, fetched only when the folder is opened and a page
 * at a time (`artifacts.list` with `next`), since a prefix may hold
 * thousands of keys.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ArtifactEntry, ArtifactSource } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { describeError, type ShownError } from '../api/errors';

export interface Listing {
  entries: ArtifactEntry[];
  next?: string;
  loading: boolean;
  error: ShownError | null;
  loadMore: () => void;
}

export function useListing(projectId: string, source: ArtifactSource, prefix: string, open: boolean): Listing {
  const api = useApi();
  const [entries, setEntries] = useState<ArtifactEntry[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ShownError | null>(null);
  const [started, setStarted] = useState(false);
  const sourceKey = JSON.stringify(source);

  const fetchPage = useCallback(
    (token?: string) => {
      setLoading(true);
      setError(null);
      const input = { projectId, source: JSON.parse(sourceKey) as ArtifactSource, prefix, ...(token ? { token } : {}) };
      api.call('artifacts.list', input).then(
        (page) => {
          setEntries((prev) => (token ? [...prev, ...page.entries] : page.entries));
          setNext(page.next);
          setLoading(false);
        },
        (err) => {
          setError(describeError(err));
          setLoading(false);
        },
      );
    },
    [api, projectId, sourceKey, prefix],
  );

  useEffect(() => {
    if (open && !started) {
      setStarted(true);
      fetchPage();
    }
  }, [open, started, fetchPage]);

  return { entries, next, loading, error, loadMore: () => next && fetchPage(next) };
}

/** The prefix that lists a folder entry's children. */
export function childPrefix(prefix: string, entry: ArtifactEntry): string {
  return prefix + (entry.name.endsWith('/') ? entry.name : `${entry.name}/`);
}
