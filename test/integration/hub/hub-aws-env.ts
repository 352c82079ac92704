// The environment of a team hub that serves AWS projects in the test's own
// process: the stand-ins' endpoints, and no AWS keys, profile, credentials or
// config file, nor instance metadata. So any AWS call the hub makes can only
// use the keys an admin stored for the project, as on a real hub machine.
import { vi } from 'vitest';

/** The stand-ins the hub's AWS clients reach through AWS_ENDPOINT_URL_*; a service left out keeps no endpoint of its own. */
export interface HubAwsEndpoints {
  s3: string;
  logs?: string;
  secrets?: string;
}

/** Stubs the hub's AWS environment (undone by vi.unstubAllEnvs()). */
export function stubHubAwsEnv(endpoints: HubAwsEndpoints): void {
  vi.stubEnv('AWS_ENDPOINT_URL_S3', endpoints.s3);
  if (endpoints.logs) vi.stubEnv('AWS_ENDPOINT_URL_CLOUDWATCH_LOGS', endpoints.logs);
  if (endpoints.secrets) vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', endpoints.secrets);
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/credentials');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/config');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}
