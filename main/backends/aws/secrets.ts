/**
 * Secrets in AWS Secrets Manager at `/dstack/{bucket}/secrets/{repo}/{NAME}`,
 * each with a resource policy that lets its repo's instance role read it.
 * ListSecrets is not in the seed policy, so names are listed from marker
 * keys in the bucket (keys.secretMarker), written after the secret and
 * deleted after it. Values never appear in errors or logs.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Secrets, Storage } from '../../core/backend';
import { keys } from '../../core/keys';
import { InvalidArgumentError, NotFoundError } from '../../common/errors';
import { aws, awsErrorCode, mapAwsError } from './errors';
import { PROPAGATION_DELAYS } from './iam';
import { names, tags } from './names';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new InvalidArgumentError(`"${name}" is not a valid secret name.`, 'Use letters, digits and underscores, starting with a letter or underscore (it becomes an environment variable).');
  }
}

/** Lets the repo's instance role read the secret; the role's own policy grants the same, this makes the intent explicit on the secret. */
export function secretResourcePolicy(roleArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: roleArn }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
  });
}

export class AwsSecrets implements Secrets {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly storage: Storage,
    private readonly bucket: string,
    /** The repo's instance role's ARN, created on demand; only `set` needs it. */
    private readonly roleArn: (repo: string) => Promise<string>,
    /** Backoff while IAM propagates a repo's new role to Secrets Manager; tests shorten it. */
    private readonly retry: { sleep: (ms: number) => Promise<void>; delays: number[] } = {
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      delays: PROPAGATION_DELAYS,
    },
  ) {}

  async set(repo: string, name: string, value: string): Promise<void> {
    checkName(name);
    const id = names.secret(this.bucket, repo, name);
    const principal = await this.roleArn(repo);
    await aws({ action: 'secretsmanager:CreateSecret', resource: id }, async () => {
      try {
        await this.client.send(
          new CreateSecretCommand({
            Name: id,
            SecretString: value,
            Tags: [
              { Key: tags.bucket, Value: this.bucket },
              { Key: tags.repo, Value: repo },
            ],
          }),
        );
      } catch (err) {
        if (awsErrorCode(err) !== 'ResourceExistsException') throw err;
        await aws({ action: 'secretsmanager:PutSecretValue', resource: id }, () => this.client.send(new PutSecretValueCommand({ SecretId: id, SecretString: value })));
      }
    });
    await aws({ action: 'secretsmanager:PutResourcePolicy', resource: id }, async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.client.send(new PutResourcePolicyCommand({ SecretId: id, ResourcePolicy: secretResourcePolicy(principal) }));
        } catch (err) {
          // The document is ours and well formed: "malformed" means its role is too new for Secrets Manager to see yet.
          if (awsErrorCode(err) !== 'MalformedPolicyDocumentException' || attempt >= this.retry.delays.length) throw err;
          await this.retry.sleep(this.retry.delays[attempt]!);
        }
      }
    });
    await this.storage.put(keys.secretMarker(repo, name), '');
  }

  async delete(repo: string, name: string): Promise<void> {
    checkName(name);
    const id = names.secret(this.bucket, repo, name);
    try {
      // Without recovery: a secret pending deletion blocks a new one of the same name for up to 30 days.
      await this.client.send(new DeleteSecretCommand({ SecretId: id, ForceDeleteWithoutRecovery: true }));
    } catch (err) {
      if (awsErrorCode(err) !== 'ResourceNotFoundException') throw mapAwsError(err, { action: 'secretsmanager:DeleteSecret', resource: id });
    }
    await this.storage.delete([keys.secretMarker(repo, name)]);
  }

  async list(repo: string): Promise<string[]> {
    const prefix = keys.secretMarkerPrefix(repo);
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.storage.list(prefix, token ? { token } : {});
      out.push(...page.objects.map((o) => o.key.slice(prefix.length)).filter(Boolean));
      token = page.next;
    } while (token);
    return out.sort();
  }

  async values(repo: string, secretNames: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const name of secretNames) {
      checkName(name);
      const id = names.secret(this.bucket, repo, name);
      try {
        const res = await this.client.send(new GetSecretValueCommand({ SecretId: id }));
        out[name] = res.SecretString ?? Buffer.from(res.SecretBinary ?? new Uint8Array()).toString('utf8');
      } catch (err) {
        if (awsErrorCode(err) === 'ResourceNotFoundException') {
          throw new NotFoundError(`The secret ${name} does not exist for this project.`, `Add it with \`dstack secrets add ${name}\` or in the Secrets tab.`);
        }
        throw mapAwsError(err, { action: 'secretsmanager:GetSecretValue', resource: id });
      }
    }
    return out;
  }
}
