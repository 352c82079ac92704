/**
 * The one place that picks a backend from a {@link BackendConfig}. The core
 * never imports a backend; entry points (CLI, app, runner) call this. The
 * AWS backend is imported on demand, so local-only use never loads the AWS
 * SDK and starts faster.
 */
import type { Backend } from '../core/backend';
import type { BackendConfig, LocalBackendConfig } from '../common/config';
import { InvalidArgumentError } from '../common/errors';
import { dstackHome } from '../node/home';
import { createLocalBackend } from './local/index';

/** The config of the default backend: local, under DSTACK_HOME (`~/.dstack`). */
export function localBackendConfig(home = dstackHome()): LocalBackendConfig {
  return { type: 'local', home };
}

export async function createBackend(config: BackendConfig): Promise<Backend> {
  switch (config.type) {
    case 'local':
      return createLocalBackend(config);
    case 'aws': {
      const { createAwsBackend } = await import('./aws/index');
      return createAwsBackend(config);
    }
    default:
      throw new InvalidArgumentError(
        `Unknown backend "${(config as { type: unknown }).type}".`,
        'Use "local" or "aws" (`dstack config` sets it).',
      );
  }
}
