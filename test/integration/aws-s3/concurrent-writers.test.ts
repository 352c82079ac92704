// Concurrent submits and status writers on S3 storage (s3rver, which answers
// conditional writes as S3 does); secrets and logs stay local.
import { describe } from 'vitest';
import { concurrencyCases } from '../../helpers/concurrency-cases';
import { useLocalBackendOnS3, useS3 } from './setup';

const backend = useLocalBackendOnS3(useS3());

describe('concurrent writers on S3 storage', () => {
  concurrencyCases(backend);
});
