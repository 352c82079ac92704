/**
 * The order of the wizard's steps. Local needs no configuration, so it goes
 * from the choice straight to done; AWS walks through every check.
 */
import type { SetupDraft, WizardStep } from '../../../main/common/api/operations';

export const AWS_STEPS: readonly WizardStep[] = ['backend', 'aws-credentials', 'aws-region', 'aws-bucket', 'aws-permissions', 'done'];
export const LOCAL_STEPS: readonly WizardStep[] = ['backend', 'done'];

export const STEP_TITLES: Record<WizardStep, string> = {
  backend: 'Choose a backend',
  'aws-credentials': 'AWS credentials',
  'aws-region': 'Region',
  'aws-bucket': 'Bucket',
  'aws-permissions': 'Check permissions',
  done: 'Done',
};

export function stepsFor(draft: SetupDraft): readonly WizardStep[] {
  return draft.backend === 'aws' ? AWS_STEPS : LOCAL_STEPS;
}

export function previousStep(draft: SetupDraft): WizardStep {
  const steps = stepsFor(draft);
  const i = steps.indexOf(draft.step);
  return steps[Math.max(0, i - 1)] ?? 'backend';
}
