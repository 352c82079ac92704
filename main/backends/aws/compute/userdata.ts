/**
 * The instance's UserData: a bash bootstrap that installs Node (and Docker)
 * when missing, fetches the runner bundle from the bucket with the instance
 * role, runs the job, and always ends with `shutdown -h now`, which with
 * InstanceInitiatedShutdownBehavior=terminate ends the instance even if the
 * runner crashed and the app is closed.
 *
 * Its own output and the runner's go to `bootstrap.log` and, at the end, to
 * CloudWatch group `/dstack/runners/{bucket}` (stream = job id).
 *
 * The same script runs on any machine, which is how tests play the instance:
 *
 *     DSTACK_RUNNER_HOME=/tmp/play DSTACK_EXECUTOR=process DSTACK_NO_SHUTDOWN=1 \
 *     AWS_ENDPOINT_URL_S3=http://127.0.0.1:4569 AWS_ENDPOINT_URL_CLOUDWATCH_LOGS=... \
 *     AWS_ENDPOINT_URL_SECRETS_MANAGER=... AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
 *     bash userdata.sh
 *
 * Overrides: DSTACK_RUNNER_HOME (work folder, default /opt/dstack),
 * DSTACK_EXECUTOR (default docker), DSTACK_NO_SHUTDOWN=1 (keep the machine
 * up), DSTACK_NODE_VERSION. The AWS_* variables reach both `aws s3 cp` and
 * the runner, as they would any AWS SDK.
 */
import type { AwsBackendConfig } from '../../../common/config';
import type { Job } from '../../../common/job';

import { INSTALL_NODE_SHELL, START_RUNNER_SHELL, shellQuote } from '../../../node/bootstrap-shell';
import { MIN_NODE, NODE_VERSION } from '../../../node/runner-node';

export { MIN_NODE, NODE_VERSION };

export interface UserDataOptions {
  /** Storage key of the runner bundle (keys.runnerBundle(version)). */
  runnerKey: string;
}

/** The config the runner gets: no profile and no keychain key, since on EC2 the instance role is the credential. */
export function runnerConfig(config: AwsBackendConfig): AwsBackendConfig {
  return { type: 'aws', bucket: config.bucket, region: config.region, ...(config.subnet ? { subnet: config.subnet } : {}) };
}

export function renderUserData(job: Job, config: AwsBackendConfig, opts: UserDataOptions): string {
  // A runner that hangs past the job's limit is cut off by the OS ten minutes later.
  const deadlineMin = job.maxDurationSec ? Math.ceil(job.maxDurationSec / 60) + 10 : undefined;
  const v = (name: string, value: string) => `${name}=${shellQuote(value)}`;
  return [
    '#!/bin/bash',
    '# dstack runner bootstrap (see main/backends/aws/compute/userdata.ts to run it on any machine).',
    'set -euo pipefail',
    v('DSTACK_BUCKET', config.bucket),
    v('DSTACK_REGION', config.region),
    v('DSTACK_RUNNER_KEY', opts.runnerKey),
    v('DSTACK_CONFIG', JSON.stringify(runnerConfig(config))),
    v('DSTACK_REPO', job.repo),
    v('DSTACK_JOB', job.id),
    `DSTACK_DEADLINE_MIN=${deadlineMin ?? ''}`,
    ': "${DSTACK_RUNNER_HOME:=/opt/dstack}"',
    ': "${DSTACK_EXECUTOR:=docker}"',
    ': "${DSTACK_NO_SHUTDOWN:=}"',
    `: "\${DSTACK_NODE_VERSION:=${NODE_VERSION}}"`,
    'export AWS_REGION="$DSTACK_REGION" AWS_DEFAULT_REGION="$DSTACK_REGION"',
    BODY,
  ].join('\n');
}

const BODY = String.raw`
mkdir -p "$DSTACK_RUNNER_HOME"
cd "$DSTACK_RUNNER_HOME"
BOOT_LOG="$DSTACK_RUNNER_HOME/bootstrap.log"
exec > >(tee -a "$BOOT_LOG") 2>&1

# The bootstrap's and the runner's own output go to /dstack/runners/{bucket}, one stream per job,
# with the instance role (the app created the group). Best effort: a failure here never fails the job.
ship_log() {
  local group="/dstack/runners/$DSTACK_BUCKET" stream="${"$"}{DSTACK_JOB//[:*]/_}" events="$DSTACK_RUNNER_HOME/runner-log-events.json"
  command -v node >/dev/null 2>&1 && command -v aws >/dev/null 2>&1 || return 0
  node -e '
    const fs = require("fs");
    const lines = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).slice(-5000);
    const out = []; let size = 0; const now = Date.now();
    for (const line of lines.reverse()) {
      const message = line.slice(0, 8000); size += Buffer.byteLength(message) + 26;
      if (size > 900000) break;
      out.push({ timestamp: now, message });
    }
    fs.writeFileSync(process.argv[2], JSON.stringify(out.reverse()));
  ' "$BOOT_LOG" "$events" || return 0
  aws logs create-log-stream --log-group-name "$group" --log-stream-name "$stream" --region "$DSTACK_REGION" >/dev/null 2>&1 || true
  aws logs put-log-events --log-group-name "$group" --log-stream-name "$stream" --log-events "file://$events" --region "$DSTACK_REGION" >/dev/null || true
}

finish() {
  code=$?
  echo "dstack bootstrap: finished with exit code $code"
  ship_log
  if [ -z "$DSTACK_NO_SHUTDOWN" ]; then shutdown -h now; fi
  exit "$code"
}
trap finish EXIT

if [ -z "$DSTACK_NO_SHUTDOWN" ] && [ -n "$DSTACK_DEADLINE_MIN" ]; then
  shutdown -h "+$DSTACK_DEADLINE_MIN" || true
fi

${INSTALL_NODE_SHELL}

install_docker() {
  [ "$DSTACK_EXECUTOR" = docker ] || return 0
  if ! command -v docker >/dev/null 2>&1; then
    echo "dstack bootstrap: installing Docker"
    if command -v dnf >/dev/null 2>&1; then dnf install -y docker; else apt-get update -y && apt-get install -y docker.io; fi
  fi
  systemctl start docker 2>/dev/null || service docker start 2>/dev/null || true
}

install_node
install_docker

echo "dstack bootstrap: fetching s3://$DSTACK_BUCKET/$DSTACK_RUNNER_KEY"
aws s3 cp "s3://$DSTACK_BUCKET/$DSTACK_RUNNER_KEY" runner.mjs --region "$DSTACK_REGION" --only-show-errors

${START_RUNNER_SHELL}
`;
