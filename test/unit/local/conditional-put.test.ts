// Conditional writes on the local backend's real files: what makes run names
// and status changes safe when the CLI, the app and runners write at once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe } from 'vitest';
import { LocalStorage } from '../../../main/backends/local/storage';
import { conditionalPutCases } from '../../helpers/conditional-put-cases';

let dir: string;
let storage: LocalStorage;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dstack-cond-'));
  storage = new LocalStorage(join(dir, 'storage'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('local storage conditional writes', () => {
  conditionalPutCases(() => storage, 'cond');
});
