/**
 * Field checks in the user's words, shared by the forms (which check as the
 * user types) and by `main/` (which checks again where a call enters, since
 * the page is not trusted). Each check returns a plain sentence naming the
 * field by its label, or undefined when the value is fine, so a form and the
 * API can never disagree about what is valid or say it differently.
 */

/** Labels for the API's input fields, by their path in the operation's input. */
export const FIELD_LABELS: Record<string, string> = {
  accessKeyId: 'Access key ID',
  secretAccessKey: 'Secret access key',
  credentials: 'Credentials',
  'credentials.profile': 'Profile',
  'credentials.keychainKeyId': 'Access key ID',
  region: 'Region',
  bucket: 'Bucket name',
  subnet: 'Subnet',
  path: 'Project folder',
  workflow: 'Workflow',
  args: 'Arguments',
  tag: 'Tag name',
  'source.tag': 'Tag name',
  runName: 'Run',
  'source.runName': 'Run',
  name: 'Secret name',
  value: 'Secret value',
  'overrides.cpu': 'CPUs',
  'overrides.memory': 'Memory',
  'overrides.gpu': 'GPUs',
  'overrides.spot': 'Spot',
  prefix: 'Folder',
  projectId: 'Project',
  itemId: 'The artifact',
  taskId: 'The download',
  subscriptionId: 'The subscription',
  abort: 'Abort',
};

/** The label for a field path such as `overrides.memory`; array indexes are dropped. */
export function fieldLabel(path: readonly (string | number)[]): string {
  const key = path.filter((p) => typeof p === 'string').join('.');
  return FIELD_LABELS[key] ?? (key ? key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase()) : 'The input');
}

export const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
export const SECRET_ACCESS_KEY = /^[A-Za-z0-9/+=]{40}$/;
export const MEMORY_SIZE = /^\s*\d+(\.\d+)?\s*(MB|GB|TB|MiB|GiB|TiB)\s*$/i;
export const TAG_NAME = /^[A-Za-z0-9._-]{1,128}$/;
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** An access key ID: 20 characters starting with AKIA; temporary (ASIA) keys are refused with why. */
export function accessKeyIdProblem(value: string): string | undefined {
  const v = value.trim();
  if (/^ASIA/.test(v)) return 'Access key ID: temporary keys (ASIA…) need a session token and expire. Use a long-term key (AKIA…) or a ~/.aws profile.';
  if (!ACCESS_KEY_ID.test(v)) return 'Access key ID must be 20 letters and digits starting with AKIA, as IAM shows it.';
  return undefined;
}

export function secretAccessKeyProblem(value: string): string | undefined {
  const v = value.trim();
  if (!SECRET_ACCESS_KEY.test(v)) return `Secret access key must be 40 characters (letters, digits, / + =); this one has ${v.length}.`;
  return undefined;
}

export function memoryProblem(value: string): string | undefined {
  return MEMORY_SIZE.test(value) ? undefined : 'Memory must be a size such as 16GB or 512MB.';
}

export function tagNameProblem(value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'Tag name is required.';
  return TAG_NAME.test(v) ? undefined : 'Tag name may use only letters, digits, dots, dashes and underscores (up to 128).';
}

export function secretNameProblem(value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'Secret name is required.';
  return SECRET_NAME.test(v) ? undefined : 'Secret name must be a variable name such as HF_TOKEN: letters, digits and underscores, not starting with a digit.';
}
