/**
 * A folder row's total: how many files and bytes lie under it at any depth.
 * Counting means a recursive listing in `main/`, so it never delays the
 * tree: a row asks only once it is mounted (after its listing page arrived)
 * and on screen, and the total fills in when it comes. At most a few
 * requests are in flight from this window, so a page of a thousand folders
 * cannot queue ahead of the user's own clicks (a browser opens only six
 * connections to a server); a row that goes away before its turn never asks.
 */
import { useEffect, useState, type RefObject } from 'react';
import type { FolderTotal } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { describeError } from '../api/errors';

export type TotalState = { state: 'counting' } | { state: 'ready'; total: FolderTotal } | { state: 'failed'; message: string };

const MAX_IN_FLIGHT = 3;

interface Request {
  start: () => Promise<unknown>;
  dropped: boolean;
}

let inFlight = 0;
const waiting: Request[] = [];

function pump(): void {
  while (inFlight < MAX_IN_FLIGHT && waiting.length) {
    const req = waiting.shift()!;
    if (req.dropped) continue;
    inFlight++;
    void req.start().finally(() => {
      inFlight--;
      pump();
    });
  }
}

export function useFolderTotal(itemId: string, row: RefObject<HTMLElement | null>): TotalState {
  const api = useApi();
  const [state, setState] = useState<TotalState>({ state: 'counting' });

  useEffect(() => {
    let live = true;
    const req: Request = {
      dropped: false,
      start: () =>
        api.call('artifacts.folderTotal', { itemId }).then(
          (total) => live && setState({ state: 'ready', total }),
          (err: unknown) => live && setState({ state: 'failed', message: describeError(err).message }),
        ),
    };
    const ask = (): void => {
      waiting.push(req);
      pump();
    };
    const el = row.current;
    let seen: IntersectionObserver | undefined;
    if (el && typeof IntersectionObserver !== 'undefined') {
      seen = new IntersectionObserver((changes) => {
        if (!changes.some((c) => c.isIntersecting)) return;
        seen?.disconnect();
        ask();
      });
      seen.observe(el);
    } else {
      ask();
    }
    return () => {
      live = false;
      req.dropped = true;
      seen?.disconnect();
    };
  }, [api, itemId, row]);

  return state;
}
