/**
 * Shows the saved configuration and reopens the same wizard to change it,
 * prefilled, so there is one way to configure and one set of checks.
 */
import { useEffect, useState } from 'react';
import type { ConfigSummary, SetupDraft } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { describeError, type ShownError } from '../api/errors';
import { ErrorNote } from '../components/ErrorNote';
import { DragCacheSettings } from './DragCacheSettings';
import { HubSummary } from './HubSummary';

function draftFrom(c: ConfigSummary): SetupDraft {
  // A team hub reopens the wizard on the hub with its URL; the token is typed again (the stored one stays in the keychain).
  if (c.hub) return { step: 'backend', backend: 'hub', hubUrl: c.hub.url };
  // A GCP config reopens the wizard on GCP with its location and bucket; credentials are chosen again (a stored key stays stored).
  if (c.backend === 'gcp' && c.gcp) return { step: 'backend', backend: 'gcp', project: c.gcp.project, region: c.gcp.region, zone: c.gcp.zone, bucket: c.gcp.bucket };
  if (c.backend !== 'aws' || !c.aws) return { step: 'backend', backend: 'local' };
  return {
    step: 'backend',
    backend: 'aws',
    region: c.aws.region,
    bucket: c.aws.bucket,
    credentials: c.aws.profile ? { profile: c.aws.profile } : undefined,
  };
}

export function Settings({ onEdit, onClose }: { onEdit: (draft: SetupDraft) => void; onClose: () => void }) {
  const api = useApi();
  const [config, setConfig] = useState<ConfigSummary | null>(null);
  const [error, setError] = useState<ShownError | null>(null);

  useEffect(() => {
    api.call('setup.get', undefined).then((s) => setConfig(s.config), (err) => setError(describeError(err)));
  }, [api]);

  return (
    <section className="settings panel" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <ErrorNote error={error} />
      {config && (
        <dl className="summary">
          <dt>Backend</dt>
          <dd>{config.backend ?? 'not configured'}</dd>
          <dt>dstack home</dt>
          <dd>
            <code>{config.home}</code>
          </dd>
          {config.aws && (
            <>
              <dt>Region</dt>
              <dd>{config.aws.region}</dd>
              <dt>Bucket</dt>
              <dd>{config.aws.bucket}</dd>
              <dt>Credentials</dt>
              <dd>{config.aws.profile ? `profile ${config.aws.profile}` : config.aws.keyIdLast4 ? `access key …${config.aws.keyIdLast4} (keychain)` : 'default chain'}</dd>
              {config.aws.subnet && (
                <>
                  <dt>Subnet</dt>
                  <dd>{config.aws.subnet}</dd>
                </>
              )}
            </>
          )}
          {config.hub && <HubSummary hub={config.hub} />}
          {config.gcp && (
            <>
              <dt>Project</dt>
              <dd>{config.gcp.project}</dd>
              <dt>Zone</dt>
              <dd>{config.gcp.zone}</dd>
              <dt>Bucket</dt>
              <dd>{config.gcp.bucket}</dd>
              <dt>Credentials</dt>
              <dd>{config.gcp.account ? `${config.gcp.account} (key in the keychain)` : 'Application Default Credentials'}</dd>
            </>
          )}
        </dl>
      )}
      <DragCacheSettings />
      <div className="row">
        <button type="button" className="primary" disabled={!config} onClick={() => config && onEdit(draftFrom(config))}>
          Change backend…
        </button>
        <button type="button" onClick={onClose}>
          Back to runs
        </button>
      </div>
    </section>
  );
}
