/**
 * The runner's watch for preemption of its spot VM, against a loopback
 * metadata server: it waits on `instance/preempted` with wait_for_change
 * (so it hears at once, without polling), reports once, and a metadata
 * server that cannot answer costs one line, never the job.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metadataBase, PREEMPTED_MESSAGE, watchPreemption } from '../../../main/backends/gcp/compute-preempt';
import type { GceMetadataStandin } from '../../helpers/gce-metadata-standin';
import { startGceMetadataStandin } from '../../helpers/gce-metadata-standin';
import { waitFor } from '../../helpers/wait';

let md: GceMetadataStandin;
const stops: (() => void)[] = [];
beforeEach(async () => {
  md = await startGceMetadataStandin({ project: 'p', zone: 'us-central1-a', name: 'vm', token: 't' });
});
afterEach(async () => {
  for (const s of stops.splice(0)) s();
  await md.stop();
});

const asked = () => md.calls.filter((c) => c.path === 'instance/preempted');

describe('spot preemption watch on Compute Engine', () => {
  it('reads GCE_METADATA_HOST, as Google\'s libraries do', () => {
    expect(metadataBase({})).toBe('http://metadata.google.internal/computeMetadata/v1');
    expect(metadataBase({ GCE_METADATA_HOST: '127.0.0.1:8080' })).toBe('http://127.0.0.1:8080/computeMetadata/v1');
  });

  it('waits for a change instead of polling, and reports the preemption once', async () => {
    const notices: string[] = [];
    stops.push(watchPreemption(metadataBase({ GCE_METADATA_HOST: md.host }), (r) => notices.push(r), { retryMs: 20 }));
    await waitFor('a wait_for_change request', asked, (c) => c.some((x) => x.wait && x.status === 0));
    // Held open by the server: no second request while nothing changes.
    const before = asked().length;
    await new Promise((r) => setTimeout(r, 200));
    expect(asked().length).toBe(before);
    md.setPreempted(true);
    await waitFor('the notice', () => notices, (n) => n.length > 0);
    await new Promise((r) => setTimeout(r, 100));
    expect(notices).toEqual([PREEMPTED_MESSAGE]);
    expect(md.calls.every((c) => c.status !== 403)).toBe(true);
  });

  it('reports a VM already preempted on the first read', async () => {
    md.setPreempted(true);
    const notices: string[] = [];
    stops.push(watchPreemption(metadataBase({ GCE_METADATA_HOST: md.host }), (r) => notices.push(r)));
    await waitFor('the notice', () => notices, (n) => n.length === 1);
    expect(asked()).toEqual([{ path: 'instance/preempted', wait: false, status: 200 }]);
  });

  it('says once that notices cannot be read when the server fails, keeps asking, and still hears a later preemption', async () => {
    md.preemptedDown = true;
    const warnings: string[] = [];
    const notices: string[] = [];
    stops.push(watchPreemption(metadataBase({ GCE_METADATA_HOST: md.host }), (r) => notices.push(r), { retryMs: 10, warn: (l) => warnings.push(l) }));
    await waitFor('three failed reads', () => asked().filter((c) => c.status === 503).length, (n) => n >= 3);
    expect(warnings).toEqual(['spot preemption notices cannot be read, the job goes on without them: The metadata server answered instance/preempted with HTTP 503.']);
    md.preemptedDown = false;
    md.setPreempted(true);
    await waitFor('the notice', () => notices, (n) => n.length === 1);
    expect(warnings).toHaveLength(1);
  });

  it('stops asking when told to', async () => {
    md.preemptedDown = true;
    const stop = watchPreemption(metadataBase({ GCE_METADATA_HOST: md.host }), () => undefined, { retryMs: 10, warn: () => undefined });
    await waitFor('a failed read', () => asked().length, (n) => n >= 1);
    stop();
    const seen = asked().length;
    await new Promise((r) => setTimeout(r, 150));
    expect(asked().length).toBeLessThanOrEqual(seen + 1);
  });
});
