// The workflow list follows the files: editing, adding and removing a file in
// .dstack/workflows each push one `workflows.changed` to the subscriber.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { EventHub } from '../../../main/service/events';
import { watchWorkflowFiles } from '../../../main/service/workflows-watch';

let root: string;
let hub: EventHub;
const seen: string[] = [];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dstack-watch-'));
  await mkdir(join(root, '.dstack', 'workflows'), { recursive: true });
  hub = new EventHub();
  seen.length = 0;
  hub.listen((event, payload) => void seen.push(`${event}:${(payload as { subscriptionId: string }).subscriptionId}`));
});
afterEach(async () => {
  hub.disposeAll();
  await rm(root, { recursive: true, force: true });
});

/** Waits for the n-th event, failing with the events seen so far. */
async function eventCount(n: number, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (seen.length < n) {
    if (Date.now() > end) throw new Error(`no event after ${what}; saw ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('pushes workflows.changed after an edit, an added file and a removed one, and stops when unsubscribed', async () => {
  const file = join(root, '.dstack', 'workflows', 'a.yaml');
  await writeFile(file, 'workflows: []\n');
  const id = watchWorkflowFiles(hub, root, 'client-1');
  await writeFile(file, 'workflows:\n  - name: a\n    commands: [echo]\n');
  await eventCount(1, 'an edit');
  expect(seen[0]).toBe(`workflows.changed:${id}`);
  await writeFile(join(root, '.dstack', 'workflows', 'b.yaml'), 'workflows: []\n');
  await eventCount(2, 'a new file');
  await rm(file);
  await eventCount(3, 'a removed file');
  hub.unsubscribe(id);
  const before = seen.length;
  await writeFile(join(root, '.dstack', 'workflows', 'c.yaml'), 'workflows: []\n');
  // The watcher's settle time is 150 ms: after twice that with no event, nothing is listening any more.
  await new Promise((r) => setTimeout(r, 400));
  expect(seen.length).toBe(before);
});

it('watches a project whose workflows folder does not exist yet, through .dstack', async () => {
  await rm(join(root, '.dstack', 'workflows'), { recursive: true });
  watchWorkflowFiles(hub, root);
  await writeFile(join(root, '.dstack', 'workflows.yaml'), 'workflows: []\n');
  await eventCount(1, 'creating .dstack/workflows.yaml');
});
