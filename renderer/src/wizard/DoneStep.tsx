/** The end: what was configured, and the way into the app. */
import type { ConfigSummary } from '../../../main/common/api/operations';

export function DoneStep({ config, onFinish }: { config: ConfigSummary | null; onFinish: () => void }) {
  return (
    <>
      <p role="status">
        {config?.backend === 'aws' && config.aws
          ? `dstack will run workflows on AWS in ${config.aws.region}, with artifacts in ${config.aws.bucket}.`
          : config?.backend === 'gcp' && config.gcp
            ? `dstack will run workflows on GCP in ${config.gcp.zone} (project ${config.gcp.project}), with artifacts in ${config.gcp.bucket}.`
            : 'dstack will run workflows on this computer.'}
      </p>
      <p className="muted">You can change this any time in Settings.</p>
      <div className="step-nav">
        <button type="button" className="primary" onClick={onFinish} autoFocus>
          Open a project
        </button>
      </div>
    </>
  );
}
