/**
 * A local runner starts without NODE_EXTRA_CA_CERTS and gives it back to its
 * job. Node reads the file that variable names at start, before any code
 * runs (Debian's 220 KB bundle costs about 70 ms of CPU, 150 ms on a loaded
 * machine), on the way to a run's first log line; a local runner makes no
 * TLS connection, but its job may well need the setting.
 */

/** The name a local runner's environment carries NODE_EXTRA_CA_CERTS under, for its job. */
export const HELD_CA_CERTS = 'DSTACK_HELD_NODE_EXTRA_CA_CERTS';

/** The environment to start a local runner with: `env` and `extra`, NODE_EXTRA_CA_CERTS held under {@link HELD_CA_CERTS}. */
export function runnerEnv(env: NodeJS.ProcessEnv, extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: certs, ...rest } = { ...env, ...extra };
  return certs ? { ...rest, [HELD_CA_CERTS]: certs } : rest;
}

/** The runner's environment as its job should see it: NODE_EXTRA_CA_CERTS back under its own name (see {@link runnerEnv}). */
export function jobEnvBase(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const { [HELD_CA_CERTS]: held, ...rest } = env;
  return held ? { ...rest, NODE_EXTRA_CA_CERTS: held } : rest;
}
