/** A hub admin action as a UI action: busy while it runs, its error as a sentence and a fix. */
import { hubAction } from '../../api/hub-client';
import { useAction } from '../../components/useAction';

export function useHubAction<T>(token: string) {
  return useAction((action: string, input?: unknown) => hubAction<T>(action, token, input));
}
