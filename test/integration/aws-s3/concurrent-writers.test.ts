// Concurrent submits and status writers on S3 storage (s3rver, which answers
// conditional writes as S3 does); secrets and logs stay local.
import { afterAll, beforeAll, describe } from 'vitest';
import type { Backend } from '../../../main/core/backend';
import { createLocalBackend } from '../../../main/backends/local/index';
import { concurrencyCases } from '../../helpers/concurrency-cases';
import { tempDir } from '../../unit/core/fixtures';
import { useS3 } from './setup';

const f = useS3();
let backend: Backend;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  const local = createLocalBackend({ type: 'local', home: t.dir });
  backend = Object.assign(Object.create(local) as Backend, { storage: f.storage });
});
afterAll(() => cleanup());

describe('concurrent writers on S3 storage', () => {
  concurrencyCases(() => backend);
});
