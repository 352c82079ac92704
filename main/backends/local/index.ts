/**
 * The local backend, the embedded default: everything on this machine under
 * `{home}/local/`, no account and no network needed.
 */
import type { Backend } from '../../core/backend';
import type { LocalBackendConfig } from '../../common/config';
import type { LocalComputeOptions } from './compute';
import { LocalCompute } from './compute';
import { LocalLogs } from './logs';
import { localPaths } from './paths';
import { LocalSecrets } from './secrets';
import { LocalStorage } from './storage';

export { LocalCompute } from './compute';
export { LocalLogs } from './logs';
export { localPaths } from './paths';
export { LocalSecrets } from './secrets';
export { LocalStorage } from './storage';

export interface LocalBackend extends Backend {
  readonly name: 'local';
  readonly storage: LocalStorage;
  readonly compute: LocalCompute;
  readonly logs: LocalLogs;
  readonly secrets: LocalSecrets;
}

/**
 * Builds the local backend for a DSTACK_HOME. `opts.runner` swaps the
 * program a job starts (tests use a stand-in to check detachment alone).
 */
export function createLocalBackend(config: LocalBackendConfig, opts: Pick<LocalComputeOptions, 'runner'> = {}): LocalBackend {
  const paths = localPaths(config.home);
  const storage = new LocalStorage(paths.storage, config.home);
  return {
    name: 'local',
    storage,
    compute: new LocalCompute(config, paths.runners, { ...opts, sweep: () => storage.removeStaleTemp() }),
    logs: new LocalLogs(paths.logs),
    secrets: new LocalSecrets(storage),
    // Nothing is held open between calls: readers and sinks close their own files.
    close: async () => undefined,
  };
}
