// @vitest-environment jsdom
// Both clouds' permission steps show the same check (rows, how many services
// lack permissions, Check again) with their own fix.
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { GcpPermissionsStep } from '../../../renderer/src/wizard/GcpPermissionsStep';
import { PermissionsStep } from '../../../renderer/src/wizard/PermissionsStep';
import { renderWithApi } from './render';

afterEach(cleanup);

/** The warning under the rows (the check's progress is a status too). */
const warning = async (): Promise<string | null> => (await screen.findByText(/lack(s)? permissions/)).textContent;

describe('permission check', () => {
  it('AWS: says how many services lack permissions and to attach the policy, and checks again on request', async () => {
    const { api } = renderWithApi(
      <PermissionsStep draft={{ step: 'aws-permissions', backend: 'aws', credentials: { profile: 'p' }, region: 'us-east-1', bucket: 'b1' }} onNext={() => undefined} onBack={() => undefined} />,
      {
        'aws.checkPermissions': () => ({
          rows: [
            { service: 'S3', ok: false, missing: ['s3:PutObject'] },
            { service: 'EC2', ok: false, missing: ['ec2:RunInstances'] },
          ],
          policy: '{}',
        }),
      },
    );
    expect(await warning()).toBe('2 services lack permissions. Attach the policy below to the user or role, then check again.');
    await userEvent.click(screen.getByRole('button', { name: 'Check again' }));
    await waitFor(() => expect(api.inputsOf('aws.checkPermissions').length).toBe(2));
  });

  it('GCP: says one service lacks permissions and to create and grant the role', async () => {
    renderWithApi(
      <GcpPermissionsStep draft={{ step: 'gcp-permissions', backend: 'gcp', project: 'p1', region: 'europe-west1', bucket: 'b1' }} onNext={() => undefined} onBack={() => undefined} />,
      {
        'gcp.checkPermissions': () => ({
          rows: [
            { service: 'Cloud Storage', ok: false, missing: ['storage.objects.create'] },
            { service: 'Compute Engine', ok: true, missing: [] },
          ],
          roleYaml: 'title: dstack',
          roleCommands: ['gcloud iam roles create dstack'],
          vmServiceAccount: { email: 'vm@p1.iam.gserviceaccount.com', needs: ['roles/logging.logWriter'] },
        }),
      },
    );
    expect(await warning()).toBe('One service lacks permissions. Create the role below, grant it, then check again.');
    expect(screen.getByRole('row', { name: /Cloud Storage/ }).className).toBe('bad');
  });
});
