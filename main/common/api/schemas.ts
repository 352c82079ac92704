/**
 * Argument schemas for every operation in `./operations.ts`, checked where a
 * call enters `main/` (IPC handler or HTTP route). The renderer is not
 * trusted to send well-formed input: a compromised or buggy page must get a
 * clear error naming the field, never reach the core with a bad value.
 * Kept out of `operations.ts` so the renderer bundle does not ship zod.
 */
import { z } from 'zod';
import { BACKEND_NAMES, WIZARD_CHOICE_NAMES, WIZARD_STEPS } from '../backends';
import { InvalidArgumentError } from '../errors';
import { accessKeyIdProblem, fieldLabel, MEMORY_SIZE, SECRET_NAME, secretAccessKeyProblem, TAG_NAME } from '../fields';
import type { OperationName, OpInput } from './operations';

/** Ids minted by `main/` (projects, items, tasks, subscriptions): short, no path characters. */
const id = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be an id issued by the app');
const name = z.string().min(1).max(256);
const projectId = z.object({ projectId: id });
const none = z.undefined().or(z.null()).or(z.object({}).strict());

const credentials = z.union([
  z.object({ profile: z.string().min(1).max(128) }).strict(),
  z.object({ keychainKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, 'must be an AWS access key id') }).strict(),
]);
const region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'must be an AWS region such as us-east-1');
const gcpRegion = z.string().regex(/^[a-z]+-[a-z]+\d+$/, 'must be a GCP region such as us-central1');
const gcpZone = z.string().regex(/^[a-z]+-[a-z]+\d+-[a-z]$/, 'must be a GCP zone such as us-central1-a');
const gcpProject = z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a project id such as my-project-123 (as `gcloud projects list` shows it)');
/** A VPC network or subnetwork name, as Compute Engine names resources. */
const gcpNetworkName = z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a network name such as default: lowercase letters, digits and dashes, starting with a letter');
const gcpCredentials = z.union([
  z.object({ keychainKey: z.string().regex(/^[^/\s]+@[^/\s]+\/[A-Za-z0-9]{1,128}$/, 'must be a key stored by the app') }).strict(),
  z.object({ adc: z.literal(true) }).strict(),
]);
const gcpTarget = z.object({ credentials: gcpCredentials, project: gcpProject, region: gcpRegion }).strict();
const target = z.object({ credentials, region }).strict();
const bucket = z.string().min(1).max(255);
/** A hub URL as typed: its shape (http(s), no user or query) is checked where it is used, with the CLI's messages. */
const hubUrl = z.string().trim().min(1).max(2048);
/** A hub token as pasted: never echoed back, so only its size is checked here. */
const hubToken = z.string().trim().min(1).max(1024);
const runName = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be a run name');
const tag = z.string().regex(TAG_NAME, 'may use only letters, digits, dots, dashes and underscores (up to 128)');
const secretName = z.string().regex(SECRET_NAME, 'must be a variable name such as HF_TOKEN: letters, digits and underscores, not starting with a digit');

/** A string checked by one of the shared field checks, whose sentence already names the field. */
function checkedBy(problem: (v: string) => string | undefined) {
  return z.string().superRefine((v, ctx) => {
    const p = problem(v);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  });
}

const draft = z
  .object({
    step: z.enum(WIZARD_STEPS),
    backend: z.enum(WIZARD_CHOICE_NAMES).optional(),
    hubUrl: z.string().max(2048).optional(),
    credentials: credentials.optional(),
    region: z.union([region, gcpRegion]).optional(),
    bucket: bucket.optional(),
    gcpCredentials: gcpCredentials.optional(),
    project: gcpProject.optional(),
    zone: gcpZone.optional(),
    network: gcpNetworkName.optional(),
    subnet: gcpNetworkName.optional(),
  })
  .strict();

const runRequest = z
  .object({
    projectId: id,
    workflow: name,
    args: z.array(z.string().max(4096)).max(256),
    tag: tag.optional(),
    backend: z.enum(BACKEND_NAMES).optional(),
    overrides: z
      .object({
        cpu: z.number().int().positive().max(1024).optional(),
        memory: z.string().regex(MEMORY_SIZE, 'must be a size such as 16GB or 512MB').optional(),
        gpu: z.number().int().min(0).max(64).optional(),
        spot: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** One schema per operation; `satisfies` keeps this list complete against the contract. */
export const operationSchemas = {
  'app.info': none,
  'setup.get': none,
  'setup.saveDraft': draft,
  'setup.useLocal': none,
  'aws.profiles': none,
  'aws.saveKeys': z
    .object({
      accessKeyId: checkedBy(accessKeyIdProblem),
      secretAccessKey: checkedBy(secretAccessKeyProblem),
    })
    .strict(),
  'aws.identity': z.object({ credentials }).strict(),
  'aws.regions': none,
  'aws.buckets': target,
  'aws.checkBucket': target.extend({ bucket }).strict(),
  'aws.createBucket': target.extend({ bucket }).strict(),
  'aws.checkPermissions': target.extend({ bucket }).strict(),
  'aws.save': target.extend({ bucket, subnet: z.string().regex(/^subnet-[0-9a-f]{8,17}$/).optional() }).strict(),
  'gcp.saveKey': z.object({ path: z.string().min(1).max(4096) }).strict(),
  'gcp.identity': z.object({ credentials: gcpCredentials }).strict(),
  'gcp.regions': none,
  'gcp.buckets': gcpTarget,
  'gcp.checkBucket': gcpTarget.extend({ bucket }).strict(),
  'gcp.createBucket': gcpTarget.extend({ bucket }).strict(),
  'gcp.checkPermissions': gcpTarget.extend({ bucket }).strict(),
  'gcp.save': gcpTarget.extend({ bucket, zone: gcpZone, network: gcpNetworkName.optional(), subnet: gcpNetworkName.optional() }).strict(),
  'hub.test': z.object({ url: hubUrl, token: hubToken }).strict(),
  'hub.connect': z.object({ url: hubUrl, token: hubToken, project: z.string().min(1).max(128) }).strict(),
  'projects.recent': none,
  'projects.open': z.object({ path: z.string().min(1).max(4096).optional() }).strict(),
  'projects.init': z.object({ path: z.string().min(1).max(4096).optional() }).strict(),
  'projects.workflows': projectId.strict(),
  'projects.watchWorkflows': projectId.strict(),
  'runs.offer': runRequest,
  'runs.submit': runRequest,
  'runs.list': projectId.extend({ all: z.boolean().optional() }).strict(),
  'runs.watch': projectId.strict(),
  'runs.stop': projectId.extend({ runName, abort: z.boolean() }).strict(),
  'runs.remove': projectId.extend({ runName }).strict(),
  'logs.follow': projectId.extend({ runName, follow: z.boolean().optional() }).strict(),
  'logs.save': projectId.extend({ runName }).strict(),
  'events.unsubscribe': z.object({ subscriptionId: id }).strict(),
  'artifacts.list': projectId
    .extend({
      source: z.union([z.object({ runName }).strict(), z.object({ tag }).strict()]),
      prefix: z.string().max(1024).refine((p) => !p.split('/').includes('..'), 'must not contain a ".." segment'),
      token: z.string().max(2048).optional(),
    })
    .strict(),
  'artifacts.links': projectId
    .extend({
      source: z.union([z.object({ runName }).strict(), z.object({ tag }).strict()]),
      path: z.string().max(1024).refine((p) => !p.split('/').includes('..'), 'must not contain a ".." segment'),
      token: z.string().max(2048).optional(),
    })
    .strict(),
  'artifacts.folderTotal': z.object({ itemId: id }).strict(),
  'artifacts.download': z.object({ itemId: id, saveAs: z.boolean().optional() }).strict(),
  'artifacts.cache': z.object({ itemId: id }).strict(),
  'artifacts.startDrag': z.object({ itemId: id }).strict(),
  'artifacts.cacheUsage': none,
  'artifacts.clearCache': none,
  'artifacts.reveal': z.object({ taskId: id }).strict(),
  'tasks.cancel': z.object({ taskId: id }).strict(),
  'tags.list': projectId.strict(),
  'tags.add': projectId.extend({ tag, runName }).strict(),
  'tags.delete': projectId.extend({ tag }).strict(),
  'secrets.list': projectId.strict(),
  'secrets.set': projectId.extend({ name: secretName, value: z.string().max(64 * 1024) }).strict(),
  'secrets.delete': projectId.extend({ name: secretName }).strict(),
} satisfies Record<OperationName, z.ZodType>;

const KINDS: Record<string, string> = { string: 'text', number: 'a number', boolean: 'yes or no', array: 'a list', object: 'a set of fields' };

/** One issue as a sentence in the user's words: the field's label, then what is wrong, never schema wording. */
function describe(issue: z.core.$ZodIssue): string {
  const label = fieldLabel(issue.path as (string | number)[]);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `The request has an unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}.`;
    case 'invalid_type':
      return /received undefined$/.test(issue.message) ? `${label} is required.` : `${label} must be ${KINDS[issue.expected] ?? issue.expected}.`;
    case 'too_small':
      if (Number(issue.minimum) <= 1 && issue.origin === 'string') return `${label} is required.`;
      return `${label} must be ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}${issue.origin === 'string' ? ' characters' : ''}.`;
    case 'too_big':
      return `${label} must be at most ${String(issue.maximum)}${issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : ''}.`;
    case 'invalid_union':
      return `${label} is not one of the accepted forms.`;
    case 'invalid_value':
      return `${label} must be one of ${issue.values.map((v) => String(v)).join(', ')}.`;
    case 'custom':
      // Shared field checks write whole sentences that already name the field.
      if (/^[A-Z]/.test(issue.message)) return issue.message.replace(/[^.]$/, '$&.');
      return `${label} ${issue.message}.`;
    default:
      return `${label} ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}.`;
  }
}

/**
 * Checks `input` against the operation's schema. Throws an
 * InvalidArgumentError whose message names each bad field by its label, as
 * the form shows it (never the operation or schema wording); the field paths
 * go into `details` for the UI. Unknown operations are refused.
 */
export function validateInput<K extends OperationName>(op: K, input: unknown): OpInput<K> {
  const schema = (operationSchemas as Record<string, z.ZodType>)[op];
  if (!schema) throw new InvalidArgumentError(`Unknown operation "${String(op)}".`);
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data as OpInput<K>;
  const issues = parsed.error.issues;
  const fields = issues.map((i) => i.path.map(String).join('.') || 'input');
  throw new InvalidArgumentError([...new Set(issues.map(describe))].join(' '), 'Correct the value and try again.', { fields });
}
