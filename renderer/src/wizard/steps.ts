/**
 * The order of the wizard's steps, from the backend registry: the choice,
 * then the chosen backend's own steps (Local needs none, so it goes straight
 * to done; AWS walks through every check; a team hub asks for its URL and token).
 */
import { choiceInfo } from '../../../main/common/backends';
import type { SetupDraft, WizardStep } from '../../../main/common/api/operations';

export const STEP_TITLES: Record<WizardStep, string> = {
  backend: 'Choose a backend',
  'aws-credentials': 'AWS credentials',
  'aws-region': 'Region',
  'aws-bucket': 'Bucket',
  'aws-permissions': 'Check permissions',
  'gcp-credentials': 'Google Cloud credentials',
  'gcp-location': 'Project and location',
  'gcp-bucket': 'Bucket',
  'gcp-permissions': 'Check permissions',
  'hub-connect': 'Team hub',
  done: 'Done',
};

export function stepsFor(draft: SetupDraft): readonly WizardStep[] {
  return ['backend', ...choiceInfo(draft.backend ?? 'local').steps];
}

export function previousStep(draft: SetupDraft): WizardStep {
  const steps = stepsFor(draft);
  const i = steps.indexOf(draft.step);
  return steps[Math.max(0, i - 1)] ?? 'backend';
}
