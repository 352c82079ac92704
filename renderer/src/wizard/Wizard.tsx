/**
 * The first-run wizard. The draft is saved after every step, so closing the
 * app midway reopens it at the same step (`setup.get` on start). Settings
 * opens the same wizard over the saved configuration to edit it.
 */
import { useEffect, useState } from 'react';
import type { ConfigSummary, SetupDraft } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { describeError, type ShownError } from '../api/errors';
import { ErrorNote } from '../components/ErrorNote';
import { BackendStep } from './BackendStep';
import { BucketStep } from './BucketStep';
import { CredentialsStep } from './CredentialsStep';
import { DoneStep } from './DoneStep';
import { GcpBucketStep } from './GcpBucketStep';
import { GcpCredentialsStep } from './GcpCredentialsStep';
import { GcpLocationStep } from './GcpLocationStep';
import { GcpPermissionsStep } from './GcpPermissionsStep';
import { HubStep } from './HubStep';
import { PermissionsStep } from './PermissionsStep';
import { RegionStep } from './RegionStep';
import { STEP_TITLES, previousStep, stepsFor } from './steps';
import type { StepProps } from './types';

/** Steps past credentials need them; a draft without them (edited by hand, or an old one) restarts there. */
function sane(d: SetupDraft): SetupDraft {
  const needsCreds = d.step === 'aws-region' || d.step === 'aws-bucket' || d.step === 'aws-permissions';
  if (needsCreds && !d.credentials) return { ...d, step: 'aws-credentials' };
  if (d.step === 'aws-permissions' && !d.bucket) return { ...d, step: 'aws-bucket' };
  const needsGcp = d.step === 'gcp-location' || d.step === 'gcp-bucket' || d.step === 'gcp-permissions';
  if (needsGcp && !d.gcpCredentials) return { ...d, step: 'gcp-credentials' };
  if ((d.step === 'gcp-bucket' || d.step === 'gcp-permissions') && !(d.project && d.region && d.zone)) return { ...d, step: 'gcp-location' };
  if (d.step === 'gcp-permissions' && !d.bucket) return { ...d, step: 'gcp-bucket' };
  return d;
}

export function Wizard({ initial, onFinish }: { initial?: SetupDraft; onFinish: () => void }) {
  const api = useApi();
  const [draft, setDraft] = useState<SetupDraft | null>(initial ? sane(initial) : null);
  const [config, setConfig] = useState<ConfigSummary | null>(null);
  const [error, setError] = useState<ShownError | null>(null);

  useEffect(() => {
    api.call('setup.get', undefined).then(
      (s) => {
        setConfig(s.config);
        setDraft((d) => d ?? sane(s.draft));
      },
      (err) => setError(describeError(err)),
    );
  }, [api]);

  useEffect(() => {
    if (draft?.step !== 'done') return;
    api.call('setup.get', undefined).then((s) => setConfig(s.config), (err) => setError(describeError(err)));
  }, [api, draft?.step]);

  if (!draft) return <ErrorNote error={error} />;

  const save = (next: SetupDraft) => {
    setDraft(next);
    api.call('setup.saveDraft', next).then(() => setError(null), (err) => setError(describeError(err)));
  };
  const props: StepProps = {
    draft,
    onNext: (patch) => save(sane({ ...draft, ...patch })),
    onBack: () => save({ ...draft, step: previousStep(draft) }),
  };
  const steps = stepsFor(draft);

  return (
    <main className="wizard" aria-labelledby="wizard-title">
      <h1 id="wizard-title">Set up dstack</h1>
      <ol className="progress" aria-label="Setup steps">
        {steps.map((s) => (
          <li key={s} aria-current={s === draft.step ? 'step' : undefined}>
            {STEP_TITLES[s]}
          </li>
        ))}
      </ol>
      <section className="step" aria-labelledby="step-title">
        <h2 id="step-title">{STEP_TITLES[draft.step]}</h2>
        <StepBody step={draft.step} props={props} config={config} onFinish={onFinish} />
      </section>
      <ErrorNote error={error} />
    </main>
  );
}

function StepBody({ step, props, config, onFinish }: { step: SetupDraft['step']; props: StepProps; config: ConfigSummary | null; onFinish: () => void }) {
  switch (step) {
    case 'backend':
      return <BackendStep {...props} />;
    case 'aws-credentials':
      return <CredentialsStep {...props} />;
    case 'aws-region':
      return <RegionStep {...props} />;
    case 'aws-bucket':
      return <BucketStep {...props} key={props.draft.region} />;
    case 'aws-permissions':
      return <PermissionsStep {...props} />;
    case 'gcp-credentials':
      return <GcpCredentialsStep {...props} />;
    case 'gcp-location':
      return <GcpLocationStep {...props} />;
    case 'gcp-bucket':
      return <GcpBucketStep {...props} key={`${props.draft.project}/${props.draft.region}`} />;
    case 'gcp-permissions':
      return <GcpPermissionsStep {...props} />;
    case 'hub-connect':
      return <HubStep {...props} />;
    case 'done':
      return <DoneStep config={config} onFinish={onFinish} />;
  }
}
