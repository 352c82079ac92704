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

/** Every wizard step: the choice, then each backend's own steps. */
export const WIZARD_STEPS = [...new Set<WizardStep>(['backend', ...BACKENDS.flatMap((b) => b.steps)])] as [WizardStep, ...WizardStep[]];

/** The registry row of a backend. */
export function backendInfo(name: BackendName): BackendInfo {
  return BACKENDS.find((b) => b.name === name) ?? BACKENDS[0];
}
