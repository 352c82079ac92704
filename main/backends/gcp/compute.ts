/**
 * Compute Engine is not part of this backend yet: storage, logs and secrets
 * are. Until it is, every attempt to run says so in words, with what to do
 * instead, rather than failing somewhere inside a launch.
 */
import type { Compute } from '../../core/backend';
import { DstackError } from '../../common/errors';

function notYet(): DstackError {
  return new DstackError('unavailable', 'Running on GCP is not available yet: this version keeps artifacts, logs and secrets in Google Cloud but cannot start Compute Engine instances.', {
    fix: 'Run with `--backend local` or `--backend aws` for now.',
  });
}

export class UnavailableCompute implements Compute {
  offer(): Promise<undefined> {
    return Promise.reject(notYet());
  }

  launch(): Promise<void> {
    return Promise.reject(notYet());
  }

  signal(): Promise<void> {
    return Promise.reject(notYet());
  }

  /** No runner was ever started here, so none is alive. */
  isAlive(): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** Nothing is ever launched, so a crash leaves nothing behind. */
  reconcile(): Promise<void> {
    return Promise.resolve();
  }
}
