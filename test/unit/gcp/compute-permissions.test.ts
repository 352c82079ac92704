import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GCE_APP_PERMISSIONS, GCE_VM_PERMISSIONS } from '../../../main/backends/gcp/compute-permissions';
import { sourceRoot } from '../../../main/node/launch';

const source = (f: string) => readFileSync(join(sourceRoot, 'main', 'backends', 'gcp', f), 'utf8');

describe('the permissions GCP compute declares', () => {
  it('include every Compute Engine call the app makes', () => {
    const called = [...source('compute-api.ts').matchAll(/'(compute\.[a-zA-Z]+\.[a-zA-Z]+)'/g)].map((m) => m[1]);
    expect(called.length).toBeGreaterThan(5);
    for (const p of called) expect(GCE_APP_PERMISSIONS, p).toContain(p);
  });

  it('let the VM\'s runner do what its startup script and runner call: fetch, write, log, read secrets, delete its VM', () => {
    expect(source('compute-startup.ts')).toContain('-X DELETE');
    for (const p of ['storage.objects.get', 'storage.objects.create', 'logging.logEntries.create', 'secretmanager.versions.access', 'compute.instances.delete']) expect(GCE_VM_PERMISSIONS).toContain(p);
  });
});
