/**
 * Which AWS credentials `dstack config aws` checks and saves, as the README
 * promises: a `~/.aws` profile (`--profile`, AWS_PROFILE), the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, as the AWS
 * CLI reads them), or an access key pair stored in the OS keychain
 * (`--keychain`, from the environment or typed at a prompt). The secret goes
 * to the keychain only; config.yaml keeps the key id.
 */
import { InvalidArgumentError } from '../../common/errors';
import type { SetupCredentials } from '../../backends/aws/setup/index';
import { readAccessKeys } from '../prompt';

export interface CredentialChoice {
  credentials: SetupCredentials;
  /** Whose permissions these are, for messages: "profile work", "the keys in the environment (…MPLE)". */
  who: string;
  /** The options that choose the same credentials again, for the --show-policy command line. */
  flags: string;
  /** The profile name, for fixes that name one (`aws sso login --profile X`). */
  profile?: string;
  /** Said once the account is known, e.g. that environment keys are not kept. */
  notes: string[];
}

const last4 = (id: string) => `…${id.slice(-4)}`;

/** Picks the credentials from the options and `env`; with --keychain, stores the keys first. */
export async function chooseCredentials(
  opts: { profile?: string; keychain?: boolean },
  env: NodeJS.ProcessEnv,
  saveKeys: (id: string, secret: string) => Promise<{ keychainKeyId: string }>,
): Promise<CredentialChoice> {
  const envId = env['AWS_ACCESS_KEY_ID'];
  const envSecret = env['AWS_SECRET_ACCESS_KEY'];
  if (opts.keychain) {
    if (opts.profile) throw new InvalidArgumentError('--keychain and --profile choose different credentials.', 'Pass one of them.');
    if (envId && env['AWS_SESSION_TOKEN']) {
      throw new InvalidArgumentError('The keys in the environment come with AWS_SESSION_TOKEN: they are temporary and cannot be kept in the keychain.',
        'Use a ~/.aws profile (--profile), or run without --keychain to use the environment as it is.');
    }
    const keys = envId && envSecret ? { accessKeyId: envId, secretAccessKey: envSecret } : await readAccessKeys();
    const { keychainKeyId } = await saveKeys(keys.accessKeyId, keys.secretAccessKey);
    return {
      credentials: { keychainKeyId }, who: `access key ${last4(keychainKeyId)}`, flags: '--keychain',
      notes: [`Stored access key ${last4(keychainKeyId)} in the OS keychain${envId ? ' (from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)' : ''}.`],
    };
  }
  const profile = opts.profile || env['AWS_PROFILE'];
  if (profile) return { credentials: { profile }, who: `profile ${profile}`, flags: `--profile ${profile}`, profile, notes: [] };
  if (envId && envSecret) {
    const temporary = Boolean(env['AWS_SESSION_TOKEN']);
    return {
      credentials: { environment: true },
      who: `the keys in the environment (${last4(envId)})`,
      flags: '',
      notes: [
        `Using the keys in the environment (AWS_ACCESS_KEY_ID ${last4(envId)}${temporary ? ', with AWS_SESSION_TOKEN' : ''}). ` +
        'config.yaml will name no profile, so runs use the credentials of the environment they start in' +
        (temporary ? '; these keys are temporary. ' : '. ') +
        (temporary ? 'Use --profile to keep credentials that renew.' : 'To keep these keys for the app, run again with --keychain.'),
      ],
    };
  }
  return { credentials: { profile: 'default' }, who: 'profile default', flags: '--profile default', profile: 'default', notes: [] };
}
