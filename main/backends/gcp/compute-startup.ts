/**
 * The VM's startup script (metadata `startup-script`): a bash bootstrap
 * that installs Node (and Docker) when missing, fetches the runner bundle
 * from the bucket with the VM's service account token, runs the job, and
 * always ends by deleting its own VM through the Compute Engine API
 * (project, zone and name from the metadata server), so a VM never outlives
 * its job, even when the runner crashed and the app is closed. If the
 * delete fails, the OS shuts down (a stopped VM bills only its disk, and
 * reconcile deletes it). `scheduling.maxRunDuration` is the backstop for a
 * bootstrap that hangs.
 *
 * Mirrors the EC2 UserData (backends/aws/compute/userdata.ts). The same
 * script runs on any machine, which is how tests play the VM:
 *
 *     DSTACK_RUNNER_HOME=/tmp/play DSTACK_EXECUTOR=process DSTACK_NO_SHUTDOWN=1 \
 *     GCE_METADATA_HOST=127.0.0.1:8xxx DSTACK_GCP_STORAGE_ENDPOINT=http://127.0.0.1:9xxx \
 *     DSTACK_GCP_COMPUTE_ENDPOINT=... DSTACK_GCP_LOGGING_ENDPOINT=... DSTACK_GCP_SECRETMANAGER_ENDPOINT=... \
 *     bash startup-script.sh
 *
 * Overrides: DSTACK_RUNNER_HOME (work folder, default /opt/dstack),
 * DSTACK_EXECUTOR (default docker), DSTACK_NO_SHUTDOWN=1 (never shut the OS
 * down), DSTACK_NODE_VERSION, GCE_METADATA_HOST (the metadata server, as
 * Google's libraries read it) and the DSTACK_GCP_*_ENDPOINT variables, which
 * reach the runner too. Tokens go to curl on stdin (`-K -`), never in argv.
 */
import type { Job } from '../../common/job';
import { INSTALL_NODE_SHELL, START_RUNNER_SHELL, shellQuote } from '../../node/bootstrap-shell';
import { NODE_VERSION } from '../../node/runner-node';
import type { GcpBackendConfig } from './config';
import { GCP_ENDPOINTS } from './config';

/** The config the runner gets: no key file nor keychain key, since on the VM its service account is the credential. */
export function runnerConfig(c: GcpBackendConfig): GcpBackendConfig {
  const pick = <K extends 'zone' | 'network' | 'subnet' | 'serviceAccount'>(k: K) => (c[k] ? { [k]: c[k] } : {});
  return { type: 'gcp', project: c.project, bucket: c.bucket, ...pick('zone'), ...pick('network'), ...pick('subnet'), ...pick('serviceAccount') };
}

export function renderStartupScript(job: Job, config: GcpBackendConfig, runnerKey: string): string {
  const v = (name: string, value: string) => `${name}=${shellQuote(value)}`;
  return [
    '#!/bin/bash',
    '# dstack runner bootstrap (see main/backends/gcp/compute-startup.ts to run it on any machine).',
    'set -euo pipefail',
    v('DSTACK_BUCKET', config.bucket),
    v('DSTACK_RUNNER_PATH', `/storage/v1/b/${encodeURIComponent(config.bucket)}/o/${encodeURIComponent(runnerKey)}?alt=media`),
    v('DSTACK_CONFIG', JSON.stringify(runnerConfig(config))),
    v('DSTACK_REPO', job.repo),
    v('DSTACK_JOB', job.id),
    ': "${DSTACK_RUNNER_HOME:=/opt/dstack}"',
    ': "${DSTACK_EXECUTOR:=docker}"',
    ': "${DSTACK_NO_SHUTDOWN:=}"',
    `: "\${DSTACK_NODE_VERSION:=${NODE_VERSION}}"`,
    `STORAGE="\${DSTACK_GCP_STORAGE_ENDPOINT:-${GCP_ENDPOINTS.storage}}"`,
    `COMPUTE="\${DSTACK_GCP_COMPUTE_ENDPOINT:-${GCP_ENDPOINTS.compute}}"`,
    'META="http://${GCE_METADATA_HOST:-metadata.google.internal}/computeMetadata/v1"',
    BODY,
  ].join('\n');
}

const BODY = String.raw`
mkdir -p "$DSTACK_RUNNER_HOME"
cd "$DSTACK_RUNNER_HOME"
exec > >(tee -a "$DSTACK_RUNNER_HOME/bootstrap.log") 2>&1

meta() {
  curl -fsS --retry 3 -H 'Metadata-Flavor: Google' "$META/$1"
}

# The VM's service account token; printed into curl's config on stdin, so it is never in a process's argv.
auth_header() {
  local token
  token=$(meta 'instance/service-accounts/default/token' | sed -n 's/.*"access_token" *: *"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || return 1
  printf 'header = "Authorization: Bearer %s"\n' "$token"
}

delete_self() {
  local project zone name
  project=$(meta project/project-id) && zone=$(meta instance/zone) && name=$(meta instance/name) || return 1
  zone="${"$"}{zone##*/}"
  echo "dstack bootstrap: deleting this VM ($name in $zone)"
  auth_header | curl -fsS --retry 3 -K - -X DELETE -o /dev/null "$COMPUTE/compute/v1/projects/$project/zones/$zone/instances/$name"
}

finish() {
  code=$?
  echo "dstack bootstrap: finished with exit code $code"
  if ! delete_self; then
    echo "dstack bootstrap: could not delete this VM; shutting down instead"
    if [ -z "$DSTACK_NO_SHUTDOWN" ]; then shutdown -h now; fi
  fi
  exit "$code"
}
trap finish EXIT

${INSTALL_NODE_SHELL}

install_docker() {
  [ "$DSTACK_EXECUTOR" = docker ] || return 0
  if ! command -v docker >/dev/null 2>&1; then
    echo "dstack bootstrap: installing Docker"
    apt-get update -y && apt-get install -y docker.io
  fi
  systemctl start docker 2>/dev/null || service docker start 2>/dev/null || true
}

install_node
install_docker

echo "dstack bootstrap: fetching the runner bundle from gs://$DSTACK_BUCKET"
auth_header | curl -fsS --retry 5 -K - -o runner.mjs "$STORAGE$DSTACK_RUNNER_PATH"

${START_RUNNER_SHELL}
`;
