/** Step 1: pick a backend from the registry, or a team hub; Local (the default, works offline) needs no more steps. */
import { useState } from 'react';
import type { WizardChoice } from '../../../main/common/backends';
import { choiceInfo, WIZARD_CHOICES } from '../../../main/common/backends';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { StepNav } from './StepNav';
import type { StepProps } from './types';

export function BackendStep({ draft, onNext }: StepProps) {
  const api = useApi();
  const [choice, setChoice] = useState<WizardChoice>(draft.backend ?? 'local');
  const useLocal = useAction(() => api.call('setup.useLocal', undefined));
  const first = choiceInfo(choice).steps[0] ?? 'done';

  const next = async () => {
    if (choice !== 'local') return onNext({ backend: choice, step: first });
    const config = await useLocal.run();
    if (config) onNext({ backend: 'local', step: 'done' });
  };

  return (
    <>
      <fieldset className="choices">
        <legend>Where should workflows run?</legend>
        {WIZARD_CHOICES.map((b) => (
          <label className="choice" key={b.name}>
            <input type="radio" name="backend" value={b.name} checked={choice === b.name} onChange={() => setChoice(b.name)} />
            <span>
              <strong>{b.label}</strong> — {b.description}
            </span>
          </label>
        ))}
      </fieldset>
      {useLocal.busy && <Busy label="Setting up the local backend…" onCancel={useLocal.cancel} />}
      <ErrorNote error={useLocal.error} />
      <StepNav onNext={() => void next()} nextLabel={choice === 'local' ? 'Use Local' : 'Next'} nextDisabled={useLocal.busy} />
    </>
  );
}
