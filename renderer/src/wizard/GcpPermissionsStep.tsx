/**
 * The permission pre-flight for GCP: one row per service naming what is
 * missing, the custom role (YAML and the gcloud commands) with exactly the
 * permissions dstack uses, and the service account the VMs run as. Saving
 * with a red row is allowed but says what will fail.
 */
import { useEffect, useState } from 'react';
import type { GcpPermissionReport } from '../../../main/common/api/gcp-setup';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { CopyButton } from '../components/CopyButton';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { missingServices, PermissionCheck } from './PermissionCheck';
import { StepNav } from './StepNav';
import type { StepProps } from './types';

export function GcpPermissionsStep({ draft, onNext, onBack }: StepProps) {
  const api = useApi();
  const [report, setReport] = useState<GcpPermissionReport | null>(null);
  const target = { credentials: draft.gcpCredentials ?? { adc: true as const }, project: draft.project ?? '', region: draft.region ?? '', bucket: draft.bucket ?? '' };
  const checkAction = useAction(() => api.call('gcp.checkPermissions', target));
  const save = useAction(() => api.call('gcp.save', { ...target, zone: draft.zone ?? `${target.region}-a`, ...(draft.network ? { network: draft.network } : {}), ...(draft.subnet ? { subnet: draft.subnet } : {}) }));

  const runCheck = () => void checkAction.run().then((r) => r && setReport(r));
  useEffect(runCheck, []);

  const finish = async () => {
    if (await save.run()) onNext({ step: 'done' });
  };
  const missing = missingServices(report?.rows);
  const commands = report?.roleCommands.join('\n') ?? '';

  return (
    <>
      <PermissionCheck check={checkAction} rows={report?.rows} fix="Create the role below, grant it" onCheck={runCheck} />
      {report && (
        <div className="policy">
          <div className="row">
            <h3 id="role-title">Custom role (dstack-role.yaml)</h3>
            <CopyButton text={report.roleYaml} label="Copy role" />
          </div>
          <pre aria-labelledby="role-title" tabIndex={0}>{report.roleYaml}</pre>
          <div className="row">
            <h3 id="role-commands">Create and grant it</h3>
            <CopyButton text={commands} label="Copy commands" />
          </div>
          <pre aria-labelledby="role-commands" tabIndex={0}>{commands}</pre>
          <p>
            VMs run as <strong>{report.vmServiceAccount.email}</strong>, which needs: {report.vmServiceAccount.needs.join(', ')}.
          </p>
        </div>
      )}
      {save.busy && <Busy label="Saving the configuration…" onCancel={save.cancel} />}
      <ErrorNote error={save.error} />
      <StepNav onBack={onBack} onNext={() => void finish()} nextLabel={missing > 0 ? 'Save anyway' : 'Save'} nextDisabled={!report || save.busy} />
    </>
  );
}
