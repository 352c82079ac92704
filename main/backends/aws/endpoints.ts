/**
 * Custom endpoints, as the AWS CLI and SDKs read them: AWS_ENDPOINT_URL for
 * every service, AWS_ENDPOINT_URL_<SERVICE> for one. Tests and S3-compatible
 * stores use them; the runner on a test "instance" inherits them from the
 * bootstrap's environment.
 */
export type AwsService = 'S3' | 'EC2' | 'IAM' | 'STS' | 'CLOUDWATCH_LOGS' | 'SECRETS_MANAGER';

export function endpointFor(service: AwsService, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined;
}
