/**
 * Follows a project's workflow files, so the app's workflow list changes
 * when the user edits, adds or removes a file in their editor. Node's
 * fs.watch on `.dstack` (for workflows.yaml and a new workflows folder) and
 * on `.dstack/workflows`; a burst of writes (an editor's save) becomes one
 * `workflows.changed` event, and the client reloads the list.
 */
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { EventHub } from './events';

/** Editors save in several writes; one event after they settle is enough. */
const SETTLE_MS = 150;

/** Starts watching; the subscription's id ends it through `events.unsubscribe` or when the client goes. */
export function watchWorkflowFiles(hub: EventHub, root: string, clientId?: string): string {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let id = '';
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => hub.emit('workflows.changed', { subscriptionId: id }, clientId), SETTLE_MS);
  };
  for (const dir of [join(root, '.dstack'), join(root, '.dstack', 'workflows')]) {
    try {
      const w = watch(dir, changed);
      // A watched folder that is removed ends its watcher; the other one still reports the removal.
      w.on('error', () => w.close());
      watchers.push(w);
    } catch {
      // The folder does not exist (yet): the parent's watcher sees it appear.
    }
  }
  id = hub.addSubscription(() => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  }, clientId);
  return id;
}
