/**
 * rclone, the reference S3 client for our transfer benchmarks, configured
 * entirely through RCLONE_CONFIG_* variables so no config file is written.
 * AWS_CA_BUNDLE is dropped: rclone would try to load it even for plain HTTP
 * (the transfer bench also runs it as `env -u AWS_CA_BUNDLE rclone …`).
 */
import type { S3rver } from '../test/helpers/s3rver';

/** Environment naming s3rver as the remote `s3:`. */
export function rcloneEnv(s3: S3rver): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RCLONE_CONFIG_S3_TYPE: 's3',
    RCLONE_CONFIG_S3_PROVIDER: 'Other',
    RCLONE_CONFIG_S3_ENDPOINT: s3.endpoint,
    RCLONE_CONFIG_S3_REGION: s3.region,
    RCLONE_CONFIG_S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    RCLONE_CONFIG_S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    RCLONE_CONFIG_S3_FORCE_PATH_STYLE: 'true',
  };
  delete env.AWS_CA_BUNDLE;
  return env;
}
