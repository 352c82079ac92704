/**
 * The project's runs, live: one `runs.list` for the first paint, then one
 * `runs.watch` subscription that pushes the whole list on change. No polling.
 */
import { useEffect, useState } from 'react';
import type { RunSummary } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { describeError, type ShownError } from '../api/errors';
import { subscribe } from '../api/subscribe';

export function useRuns(projectId: string): { runs: RunSummary[] | null; error: ShownError | null } {
  const api = useApi();
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState<ShownError | null>(null);

  useEffect(() => {
    let pushed = false;
    api.call('runs.list', { projectId, all: true }).then(
      (list) => !pushed && setRuns(list),
      (err) => setError(describeError(err)),
    );
    return subscribe(api, 'runs.watch', { projectId }, 'runs.changed', {
      onPayload: (p) => {
        pushed = true;
        setRuns(p.runs);
      },
      onError: (err) => setError(describeError(err)),
    });
  }, [api, projectId]);

  return { runs, error };
}
