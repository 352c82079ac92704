// Concurrent submits and status writers on the local backend's real files.
import { describe } from 'vitest';
import type { LocalBackend } from '../../../main/backends/local/index';
import { createLocalBackend } from '../../../main/backends/local/index';
import { concurrencyCases } from '../../helpers/concurrency-cases';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from './fixtures';

let backend: LocalBackend;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  backend = createLocalBackend({ type: 'local', home: t.dir });
});
afterAll(() => cleanup());

describe('concurrent writers on local storage', () => {
  concurrencyCases(() => backend);
});
