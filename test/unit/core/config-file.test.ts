import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND_NAMES } from '../../../main/common/backends';
import { backendConfigOf, readConfigFile, writeConfigFile } from '../../../main/core/config-file';
import { tempDir } from './fixtures';

let home: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: home, cleanup } = await tempDir());
});
afterEach(() => cleanup());

describe('config.yaml', () => {
  it('defaults to the local backend when there is no file', async () => {
    expect(await readConfigFile(home)).toEqual({ backend: 'local' });
    expect(backendConfigOf({ backend: 'local' }, home)).toEqual({ type: 'local', home });
  });

  it('round-trips what it writes, in dstack keys', async () => {
    await writeConfigFile(home, { backend: 'aws', bucket: 'b', region: 'eu-west-1', profile: 'dev' });
    expect(await readConfigFile(home)).toEqual({ backend: 'aws', bucket: 'b', region: 'eu-west-1', profile: 'dev' });
  });

  it('names the file and the field when a value is wrong', async () => {
    await writeFile(join(home, 'config.yaml'), 'backend: azure\n');
    await expect(readConfigFile(home)).rejects.toThrow(`${join(home, 'config.yaml')}: backend is "azure"; allowed: ${BACKEND_NAMES.join(', ')}.`);
  });

  it('asks for `dstack config aws` when AWS is chosen but not configured', () => {
    expect(() => backendConfigOf({ backend: 'local' }, home, 'aws')).toThrow('The AWS backend is not configured.');
  });
});
