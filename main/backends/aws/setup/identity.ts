/**
 * Who the credentials belong to. sts:GetCallerIdentity needs no IAM
 * permission (AWS answers it even under an explicit deny), so it is the one
 * call outside the seed policy that is safe to make: it proves the
 * credentials work and gives the account id for the default bucket name.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { STSClient } from '@aws-sdk/client-sts';
import { aws } from '../errors';

export interface AwsIdentity {
  account: string;
  arn: string;
}

export async function callerIdentity(sts: STSClient, profile?: string, region = 'us-east-1'): Promise<AwsIdentity> {
  const out = await aws({ action: 'sts:GetCallerIdentity', region, ...(profile ? { profile } : {}) }, () => sts.send(new GetCallerIdentityCommand({})));
  return { account: out.Account ?? '', arn: out.Arn ?? '' };
}
