/**
 * The registry of backends: each one's name, how the app and the CLI present
 * it, and the wizard steps that set it up. Everything that lists or checks
 * backend names (the contract's schemas, the config file, the CLI's choices,
 * the wizard) reads this one table, so adding a backend (gcp, a team hub)
 * adds a row here and a factory in `main/backends/index.ts`, and touches
 * nothing else above the backend interface. It lives in common/ because the
 * renderer shows it too.
 */

/** A step of the first-run wizard; backend-specific steps are prefixed with the backend's name. */
export type WizardStep =
  | 'backend'
  | 'aws-credentials' | 'aws-region' | 'aws-bucket' | 'aws-permissions'
  | 'gcp-credentials' | 'gcp-location' | 'gcp-bucket' | 'gcp-permissions'
  | 'hub-connect'
  | 'done';

export interface BackendInfo {
  /** The name in `config.yaml`, `--backend` and job records. */
  readonly name: string;
  /** What the wizard's choice says, in the user's words. */
  readonly label: string;
  readonly description: string;
  /** The wizard's steps after the choice, in order, ending at `done`. */
  readonly steps: readonly WizardStep[];
}

export const BACKENDS = [
  {
    name: 'local',
    label: 'Local',
    description: 'on this computer. Works offline; nothing to set up.',
    steps: ['done'],
  },
  {
    name: 'aws',
    label: 'AWS',
    description: 'on EC2 instances in your account, with artifacts in your S3 bucket.',
    steps: ['aws-credentials', 'aws-region', 'aws-bucket', 'aws-permissions', 'done'],
  },
  {
    name: 'gcp',
    label: 'GCP',
    description: 'on Compute Engine VMs in your Google Cloud project, with artifacts in your Cloud Storage bucket.',
    steps: ['gcp-credentials', 'gcp-location', 'gcp-bucket', 'gcp-permissions', 'done'],
  },
] as const satisfies readonly BackendInfo[];

export type BackendName = (typeof BACKENDS)[number]['name'];

/** Every backend name, in the order the wizard offers them (the default first). */
export const BACKEND_NAMES = BACKENDS.map((b) => b.name) as [BackendName, ...BackendName[]];

export function isBackendName(s: unknown): s is BackendName {
  return typeof s === 'string' && (BACKEND_NAMES as readonly string[]).includes(s);
}

/**
 * A team hub, offered after the backends: not a backend itself (each of its
 * projects has one), so not a name in `config.yaml`, `--backend` or job
 * records, but a choice the wizard and `dstack config` offer beside them.
 */
export const HUB_CHOICE = {
  name: 'hub',
  label: 'Connect to a team hub',
  description: "with your team's token: runs go to the hub project's backend, with the team's settings and keys.",
  steps: ['hub-connect', 'done'],
} as const satisfies BackendInfo;

/** What the wizard's first step offers: every backend, then a team hub. */
export const WIZARD_CHOICES = [...BACKENDS, HUB_CHOICE] as const;

export type WizardChoice = (typeof WIZARD_CHOICES)[number]['name'];

export const WIZARD_CHOICE_NAMES = WIZARD_CHOICES.map((b) => b.name) as [WizardChoice, ...WizardChoice[]];

/** The registry row of a wizard choice (a backend, or the team hub). */
export function choiceInfo(name: WizardChoice): BackendInfo {
  return WIZARD_CHOICES.find((b) => b.name === name) ?? BACKENDS[0];
}

/** Every wizard step: the choice, then each backend's own steps. */
export const WIZARD_STEPS = [...new Set<WizardStep>(['backend', ...WIZARD_CHOICES.flatMap((b) => b.steps)])] as [WizardStep, ...WizardStep[]];

/** The registry row of a backend. */
export function backendInfo(name: BackendName): BackendInfo {
  return BACKENDS.find((b) => b.name === name) ?? BACKENDS[0];
}
