// Adding a project's first secret creates the project's role; the secret's
// resource policy names that role, which Secrets Manager may not see yet.
import { PutResourcePolicyCommand, CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { AwsSecrets } from '../../../main/backends/aws/secrets';
import { awsError, BUCKET, tempStorage } from './fixtures';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

const ROLE = (repo: string) => `arn:aws:iam::142421590066:role/dstack_role_x_${repo}`;

describe('secret resource policy', () => {
  it('names the secret\'s own repo role, and waits for a role IAM has not propagated yet', async () => {
    const { storage } = await tempStorage();
    sm.on(CreateSecretCommand).resolves({});
    const notYet = awsError('MalformedPolicyDocumentException', 'This resource policy contains an unsupported principal.', 400);
    sm.on(PutResourcePolicyCommand).rejectsOnce(notYet).rejectsOnce(notYet).resolves({});
    const slept: number[] = [];
    const secrets = new AwsSecrets(new SecretsManagerClient({ region: 'eu-west-1' }), storage, BUCKET, async (repo) => ROLE(repo), { sleep: async (ms) => void slept.push(ms), delays: [1, 2, 3] });
    await secrets.set('proj-1234abcd', 'TOKEN', 'v');
    const calls = sm.commandCalls(PutResourcePolicyCommand);
    expect(calls).toHaveLength(3);
    expect(slept).toEqual([1, 2]);
    expect(JSON.parse(calls[2]!.args[0].input.ResourcePolicy!).Statement[0].Principal).toEqual({ AWS: ROLE('proj-1234abcd') });
    expect(await secrets.list('proj-1234abcd')).toEqual(['TOKEN']);
  });

  it('gives up after the last delay with the reason Secrets Manager gave, and lists no secret', async () => {
    const { storage } = await tempStorage();
    sm.on(CreateSecretCommand).resolves({});
    sm.on(PutResourcePolicyCommand).rejects(awsError('MalformedPolicyDocumentException', 'This resource policy contains an unsupported principal.', 400));
    const secrets = new AwsSecrets(new SecretsManagerClient({ region: 'eu-west-1' }), storage, BUCKET, async (repo) => ROLE(repo), { sleep: async () => undefined, delays: [1] });
    await expect(secrets.set('proj-1234abcd', 'TOKEN', 'v')).rejects.toThrow(/PutResourcePolicy|unsupported principal/);
    expect(sm.commandCalls(PutResourcePolicyCommand)).toHaveLength(2);
    expect(await secrets.list('proj-1234abcd')).toEqual([]);
  });
});
