// The packaged app's fuses, as electron-builder reads them from its config:
// nothing may let another process run code as the signed app.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sourceRoot } from '../../../main/node/launch';

describe('electron-builder fuses', () => {
  it('turns off RunAsNode, NODE_OPTIONS and --inspect, and loads the app only from its checked asar', async () => {
    const config = parse(await readFile(join(sourceRoot, 'electron-builder.yml'), 'utf8')) as { electronFuses?: Record<string, boolean> };
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('names only fuses electron-builder knows, so none is silently ignored', async () => {
    const config = parse(await readFile(join(sourceRoot, 'electron-builder.yml'), 'utf8')) as { electronFuses: Record<string, boolean> };
    const scheme = JSON.parse(await readFile(createRequire(import.meta.url).resolve('app-builder-lib/scheme.json'), 'utf8')) as {
      definitions: { FuseOptionsV1: { properties: Record<string, unknown> } };
    };
    const known = Object.keys(scheme.definitions.FuseOptionsV1.properties);
    expect(Object.keys(config.electronFuses).filter((k) => !known.includes(k))).toEqual([]);
  });
});
