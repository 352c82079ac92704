import type { SetupDraft } from '../../../main/common/api/operations';

/** What the wizard hands each step: the saved draft and the way to move on or back. */
export interface StepProps {
  draft: SetupDraft;
  /** Merges the patch into the draft, saves it, and shows `patch.step`. */
  onNext: (patch: Partial<SetupDraft> & Pick<SetupDraft, 'step'>) => void;
  onBack: () => void;
}
