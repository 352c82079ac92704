import { describe, expect, it } from 'vitest';
import { httpError, operationError } from '../../../main/backends/gcp/errors';

const ctx = { action: 'compute.instances.create', resource: 'instance dstack-1 in us-central1-a', project: 'acme-ml', region: 'us-central1', zone: 'us-central1-a', machineType: 'n1-standard-4' };

/** An error body as Google's REST APIs send it. */
function body(code: number, message: string, reason: string, details: object[] = []): string {
  return JSON.stringify({ error: { code, message, errors: [{ message, domain: 'global', reason }], status: code === 403 ? 'PERMISSION_DENIED' : 'INVALID_ARGUMENT', details } });
}

describe('Compute Engine errors say the fix', () => {
  it('API not enabled: names the `gcloud services enable` command for the API and project', () => {
    const said = 'Compute Engine API has not been used in project 123456 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/compute.googleapis.com/overview?project=123456 then retry.';
    const err = httpError(403, body(403, said, 'accessNotConfigured', [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', metadata: { service: 'compute.googleapis.com', consumer: 'projects/123456' } }]), ctx);
    expect(err).toMatchObject({ code: 'config', message: 'The compute.googleapis.com API is not enabled in project acme-ml.', fix: 'Enable it with `gcloud services enable compute.googleapis.com --project acme-ml`, wait a minute, and try again.' });
    // Without ErrorInfo the API is read from the message's console link.
    expect(httpError(403, body(403, said, 'accessNotConfigured'), ctx).fix).toContain('gcloud services enable compute.googleapis.com');
  });

  it('permission denied: names the permission Google asked for', () => {
    const err = httpError(403, body(403, "Required 'compute.instances.create' permission for 'projects/acme-ml/zones/us-central1-a/instances/dstack-1'", 'forbidden'), ctx);
    expect(err).toMatchObject({ code: 'permission', message: 'The credentials lack the permission compute.instances.create in project acme-ml (instance dstack-1 in us-central1-a).' });
    expect(err.fix).toContain('Grant the account a role with compute.instances.create');
    const actAs = httpError(400, body(400, "The user does not have access to service account 'vm@acme-ml.iam.gserviceaccount.com'. User: 'me@acme.com'. Ask a project owner to grant you the iam.serviceAccountUser role on the service account", 'invalid'), ctx);
    expect(actAs).toMatchObject({ code: 'permission', fix: expect.stringContaining('iam.serviceAccounts.actAs') });
  });

  it('quota exceeded: names the quota and the region, from an HTTP answer or from the operation', () => {
    const http = httpError(403, body(403, "Quota 'NVIDIA_T4_GPUS' exceeded.  Limit: 0.0 in region us-central1.", 'quotaExceeded'), ctx);
    expect(http).toMatchObject({ code: 'quota', message: expect.stringMatching(/^Project acme-ml has too little quota NVIDIA_T4_GPUS in us-central1 for n1-standard-4/) });
    expect(http.fix).toBe('Request more NVIDIA_T4_GPUS for us-central1 at https://console.cloud.google.com/iam-admin/quotas?project=acme-ml, or ask for a smaller machine.');
    const op = operationError(
      [{ code: 'QUOTA_EXCEEDED', message: "Quota 'CPUS' exceeded.  Limit: 24.0 in region europe-west4.", errorDetails: [{ quotaInfo: { metricName: 'compute.googleapis.com/cpus', limitName: 'CPUS-per-project-region', dimensions: { region: 'europe-west4' } } }] }],
      { ...ctx, zone: 'europe-west4-a', region: 'europe-west4' },
    );
    expect(op).toMatchObject({ code: 'quota', message: expect.stringContaining('too little quota CPUS in europe-west4'), fix: expect.stringContaining('Request more CPUS for europe-west4') });
  });

  it('ZONE_RESOURCE_POOL_EXHAUSTED: offers the other zones of the region', () => {
    const said = "The zone 'projects/acme-ml/zones/us-central1-a' does not have enough resources available to fulfill the request.  Try a different zone, or try again later.";
    expect(operationError([{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: said }], ctx)).toMatchObject({
      code: 'capacity',
      message: 'Zone us-central1-a has no n1-standard-4 free right now (ZONE_RESOURCE_POOL_EXHAUSTED).',
      fix: 'Set another zone of us-central1 in the GCP settings (us-central1-b, us-central1-c, us-central1-f), or try again later.',
    });
    // A region without a bundled zone list: the fix says how to list them.
    expect(operationError([{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS', message: said }], { ...ctx, zone: 'me-central2-a', region: 'me-central2' }).fix).toContain('`gcloud compute zones list --filter=region:me-central2`');
  });

  it('leaves storage errors as they were: a 403 without a project names the action', () => {
    const err = httpError(403, body(403, 'me@acme.com does not have storage.objects.get access', 'forbidden'), { action: 'storage.objects.get', resource: 'gs://b/k' });
    expect(err).toMatchObject({ code: 'permission', message: 'The credentials may not call storage.objects.get on gs://b/k: me@acme.com does not have storage.objects.get access' });
  });
});
