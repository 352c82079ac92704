/**
 * Custom endpoints, as the AWS CLI and SDKs read them: AWS_ENDPOINT_URL for
 * every service, AWS_ENDPOINT_URL_<SERVICE> for one. Tests and S3-compatible
 * stores use them; the runner on a test "instance" inherits them from the
 * bootstrap's environment.
 */
export type AwsService = 'S3' | 'EC2' | 'IAM' | 'STS' | 'CLOUDWATCH_LOGS' | 'SECRETS_MANAGER';

export function endpointFor(service: AwsService, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return endpointOverride(service, env)?.value;
}

/** The variable that overrides `service`'s endpoint, with its value, so errors can name it. */
export function endpointOverride(service: AwsService, env: NodeJS.ProcessEnv = process.env): { variable: string; value: string } | undefined {
  for (const variable of [`AWS_ENDPOINT_URL_${service}`, 'AWS_ENDPOINT_URL']) {
    const value = env[variable];
    if (value) return { variable, value };
  }
  return undefined;
}

const SERVICE_OF_PREFIX: Record<string, AwsService> = {
  s3: 'S3',
  ec2: 'EC2',
  iam: 'IAM',
  sts: 'STS',
  logs: 'CLOUDWATCH_LOGS',
  secretsmanager: 'SECRETS_MANAGER',
};

/** The service an IAM action (`sts:GetCallerIdentity`) is made to. */
export function serviceOfAction(action: string): AwsService | undefined {
  return SERVICE_OF_PREFIX[action.split(':')[0] ?? ''];
}

/** The public host the SDK calls for a service in a region (IAM is global), for "cannot reach" messages. */
export function defaultHost(service: AwsService, region = 'us-east-1'): string {
  const prefix = Object.entries(SERVICE_OF_PREFIX).find(([, s]) => s === service)?.[0] ?? service.toLowerCase();
  return service === 'IAM' ? 'iam.amazonaws.com' : `${prefix}.${region}.amazonaws.com`;
}
