/**
 * A stand-in `aws` command for played instances: the AWS CLI calls an EC2
 * bootstrap makes (`s3 cp`, `logs create-log-stream`, `logs
 * put-log-events`), done with the SDK against the endpoints in
 * AWS_ENDPOINT_URL_*. Shared by every test that plays a UserData script.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sourceRoot } from '../../main/node/launch';

/** The AWS CLI calls the bootstrap makes (`s3 cp`, `logs create-log-stream`, `logs put-log-events`), honouring AWS_ENDPOINT_URL_*. */
export async function awsCliStub(bin: string): Promise<void> {
  await mkdir(bin, { recursive: true });
  const script = join(bin, 'aws-stub.mjs');
  await writeFile(
    script,
    [
      `import { createRequire } from 'node:module';`,
      `import { readFileSync, writeFileSync } from 'node:fs';`,
      `const req = createRequire(${JSON.stringify(join(sourceRoot, 'package.json'))});`,
      `const { S3Client, GetObjectCommand } = req('@aws-sdk/client-s3');`,
      `const logs = req('@aws-sdk/client-cloudwatch-logs');`,
      `const argv = process.argv.slice(2);`,
      `const opt = (name) => argv[argv.indexOf(name) + 1];`,
      `if (argv[0] === 's3' && argv[1] === 'cp') {`,
      `  const [, , Bucket, ...key] = argv[2].split('/');`,
      `  const c = new S3Client({ endpoint: process.env.AWS_ENDPOINT_URL_S3, forcePathStyle: true });`,
      `  const r = await c.send(new GetObjectCommand({ Bucket, Key: key.join('/') }));`,
      `  writeFileSync(argv[3], Buffer.from(await r.Body.transformToByteArray()));`,
      `} else if (argv[0] === 'logs') {`,
      `  const c = new logs.CloudWatchLogsClient({ endpoint: process.env.AWS_ENDPOINT_URL_CLOUDWATCH_LOGS, region: opt('--region') });`,
      `  const g = opt('--log-group-name'), s = opt('--log-stream-name');`,
      `  if (argv[1] === 'create-log-stream') await c.send(new logs.CreateLogStreamCommand({ logGroupName: g, logStreamName: s }));`,
      `  else await c.send(new logs.PutLogEventsCommand({ logGroupName: g, logStreamName: s, logEvents: JSON.parse(readFileSync(opt('--log-events').slice(7), 'utf8')) }));`,
      `} else { console.error('aws stub: unsupported', argv); process.exit(2); }`,
      '',
    ].join('\n'),
  );
  await writeFile(join(bin, 'aws'), `#!/bin/bash\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(script)} "$@"\n`);
  await chmod(join(bin, 'aws'), 0o755);
}
