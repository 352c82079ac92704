/** config.yaml's gcp section: read into the backend's config, and each bad field named with its fix. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendConfigOf, readConfigFile } from '../../../main/core/config-file';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'dstack-cfg-gcp-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

const GOOD = 'backend: gcp\nproject: my-project-42\nregion: europe-west4\nzone: europe-west4-a\nbucket: dstack-my-project-42-europe-west4\nvpc: main\nkeychain_key: sa@my-project-42.iam.gserviceaccount.com/abc123\n';

async function read(text: string) {
  await writeFile(join(home, 'config.yaml'), text);
  return readConfigFile(home).catch((e: unknown) => e as Error & { fix: string });
}

describe('config.yaml for gcp', () => {
  it('reads a gcp config into the backend config, with the key as a keychain reference', async () => {
    const cfg = await read(GOOD);
    expect(backendConfigOf(cfg as never, home)).toEqual({
      type: 'gcp', project: 'my-project-42', region: 'europe-west4', zone: 'europe-west4-a', bucket: 'dstack-my-project-42-europe-west4',
      network: 'main', keychainKey: 'sa@my-project-42.iam.gserviceaccount.com/abc123',
    });
  });

  it.each([
    ['project: My Project', 'project is "My Project", which is not a project id', 'gcloud projects list'],
    ['zone: us-central1-a', 'zone is "us-central1-a", which is not a zone of the region', 'gcloud compute zones list --filter=region:REGION'],
    ['bucket: gs://my-bucket', 'bucket is "gs://my-bucket", which is not a Cloud Storage bucket name', 'without gs://'],
    ['region: europe west4', 'region is "europe west4", which is not a region such as us-central1', 'gcloud compute regions list'],
    ['credentials_file: key.json', 'credentials_file is "key.json", which is not an absolute path', 'full path'],
  ])('names the field and the fix for %s', async (line, message, fix) => {
    const key = line.split(':')[0]!;
    const err = await read(GOOD.split('\n').filter((l) => !l.startsWith(`${key}:`)).join('\n') + `${line}\n`);
    expect((err as Error).message.startsWith(`${join(home, 'config.yaml')}: ${message}`)).toBe(true);
    expect((err as { fix: string }).fix).toContain(fix);
  });

  it('names a missing required field', async () => {
    const err = await read(GOOD.replace(/^zone:.*\n/m, ''));
    expect((err as Error).message).toBe(`${join(home, 'config.yaml')}: backend gcp needs zone.`);
    expect((err as { fix: string }).fix).toContain('zone: …');
  });
});
