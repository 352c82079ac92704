// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SetupDraft } from '../../../main/common/api/operations';
import { DstackError } from '../../../main/common/errors';
import { BackendStep } from '../../../renderer/src/wizard/BackendStep';
import { CredentialsStep } from '../../../renderer/src/wizard/CredentialsStep';
import { PermissionsStep } from '../../../renderer/src/wizard/PermissionsStep';
import { Wizard } from '../../../renderer/src/wizard/Wizard';
import { renderWithApi } from './render';

afterEach(cleanup);

const config = { backend: null, home: '/home/u/.dstack' } as const;

describe('Wizard', () => {
  it('resumes at the saved step and saves the draft on Back', async () => {
    const { api } = renderWithApi(<Wizard onFinish={() => undefined} />, {
      'setup.get': () => ({ draft: { step: 'aws-region', backend: 'aws', credentials: { profile: 'dev' }, region: 'eu-west-1' }, config }),
      'setup.saveDraft': () => undefined,
      'aws.regions': () => [{ id: 'eu-west-1', name: 'Europe (Ireland)' }, { id: 'us-east-1', name: 'US East (N. Virginia)' }],
    });
    expect(await screen.findByRole('heading', { name: 'Region' })).toBeTruthy();
    expect(await screen.findByRole('option', { name: 'Europe (Ireland) (eu-west-1)' })).toBeTruthy();
    expect((screen.getByRole('combobox', { name: 'Region' }) as HTMLSelectElement).value).toBe('eu-west-1');
    await userEvent.click(screen.getByRole('button', { name: 'Back' }));
    expect(await screen.findByRole('heading', { name: 'AWS credentials' })).toBeTruthy();
    expect(api.inputsOf('setup.saveDraft').at(-1)).toMatchObject({ step: 'aws-credentials', region: 'eu-west-1' });
  });

  it('restarts at credentials when a saved draft lacks them', async () => {
    renderWithApi(<Wizard onFinish={() => undefined} />, {
      'setup.get': () => ({ draft: { step: 'aws-bucket', backend: 'aws' }, config }),
      'aws.profiles': () => [],
    });
    expect(await screen.findByRole('heading', { name: 'AWS credentials' })).toBeTruthy();
  });

  it('shows an error as a sentence with its fix', async () => {
    renderWithApi(<Wizard onFinish={() => undefined} />, {
      'setup.get': () => { throw new DstackError('unavailable', 'The configuration file is unreadable.', { fix: 'Fix ~/.dstack/config.yaml.' }); },
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('The configuration file is unreadable. Fix ~/.dstack/config.yaml.');
  });
});

describe('BackendStep', () => {
  const draft: SetupDraft = { step: 'backend' };

  it('defaults to Local and configures it in one click', async () => {
    const onNext = vi.fn();
    const { api } = renderWithApi(<BackendStep draft={draft} onNext={onNext} onBack={() => undefined} />, {
      'setup.useLocal': () => ({ backend: 'local', home: '/h' }),
    });
    expect((screen.getByRole('radio', { name: /Local/ }) as HTMLInputElement).checked).toBe(true);
    await userEvent.click(screen.getByRole('button', { name: 'Use Local' }));
    await waitFor(() => expect(onNext).toHaveBeenCalledWith({ backend: 'local', step: 'done' }));
    expect(api.calls.map((c) => c.op)).toEqual(['setup.useLocal']);
  });

  it('goes to credentials for AWS without configuring anything', async () => {
    const onNext = vi.fn();
    const { api } = renderWithApi(<BackendStep draft={draft} onNext={onNext} onBack={() => undefined} />, {});
    await userEvent.click(screen.getByRole('radio', { name: /AWS/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(onNext).toHaveBeenCalledWith({ backend: 'aws', step: 'aws-credentials' });
    expect(api.calls).toEqual([]);
  });
});

describe('CredentialsStep', () => {
  const draft: SetupDraft = { step: 'aws-credentials', backend: 'aws' };

  it('lists profiles with SSO marked, and verifies the chosen one', async () => {
    const onNext = vi.fn();
    renderWithApi(<CredentialsStep draft={draft} onNext={onNext} onBack={() => undefined} />, {
      'aws.profiles': () => [{ name: 'default', sso: false, region: 'us-west-2' }, { name: 'work', sso: true }],
      'aws.identity': () => ({ account: '123456789012', arn: 'arn:aws:iam::123456789012:user/u' }),
    });
    const work = await screen.findByRole('radio', { name: /work/ });
    expect(work.closest('label')?.textContent).toContain('SSO');
    expect(screen.getByRole('radio', { name: /default/ }).closest('label')?.textContent).not.toContain('SSO');
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(onNext).toHaveBeenCalledWith({ step: 'aws-region', credentials: { profile: 'default' }, region: 'us-west-2' }));
  });

  const KEY_ID = 'AKIAEXAMPLE00000WXYZ';
  const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

  it('sends typed keys to the keychain and never shows the secret again', async () => {
    const onNext = vi.fn();
    const { api } = renderWithApi(<CredentialsStep draft={draft} onNext={onNext} onBack={() => undefined} />, {
      'aws.profiles': () => [],
      'aws.saveKeys': () => ({ keychainKeyId: KEY_ID, keyIdLast4: 'WXYZ' }),
      'aws.identity': () => ({ account: '1', arn: 'a' }),
    });
    await screen.findByText('No profiles found in ~/.aws.');
    await userEvent.type(screen.getByLabelText('Access key ID'), KEY_ID);
    await userEvent.type(screen.getByLabelText('Secret access key'), SECRET);
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(onNext).toHaveBeenCalledWith(expect.objectContaining({ credentials: { keychainKeyId: KEY_ID } })));
    expect(api.inputsOf('aws.saveKeys')).toEqual([{ accessKeyId: KEY_ID, secretAccessKey: SECRET }]);
    expect((screen.getByLabelText('Secret access key') as HTMLInputElement).value).toBe('');
  });

  it('keeps the typed secret when the check fails, and shows why', async () => {
    const onNext = vi.fn();
    renderWithApi(<CredentialsStep draft={draft} onNext={onNext} onBack={() => undefined} />, {
      'aws.profiles': () => [],
      'aws.saveKeys': () => ({ keychainKeyId: KEY_ID, keyIdLast4: 'WXYZ' }),
      'aws.identity': () => {
        throw new DstackError('unavailable', 'The OS keychain is not available, so the AWS keys cannot be stored or read.', { fix: 'Unlock the login keychain.' });
      },
    });
    await screen.findByText('No profiles found in ~/.aws.');
    await userEvent.type(screen.getByLabelText('Access key ID'), KEY_ID);
    await userEvent.type(screen.getByLabelText('Secret access key'), SECRET);
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The OS keychain is not available');
    expect((screen.getByLabelText('Secret access key') as HTMLInputElement).value).toBe(SECRET);
    expect(onNext).not.toHaveBeenCalled();
  });

  it('checks the shape of the keys as the user types, naming the field', async () => {
    const { api } = renderWithApi(<CredentialsStep draft={draft} onNext={() => undefined} onBack={() => undefined} />, { 'aws.profiles': () => [] });
    await screen.findByText('No profiles found in ~/.aws.');
    await userEvent.type(screen.getByLabelText('Access key ID'), 'AKIA123');
    await userEvent.type(screen.getByLabelText('Secret access key'), 'short');
    expect(screen.getByLabelText('Access key ID').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Access key ID must be 20 letters and digits starting with AKIA, as IAM shows it.')).toBeTruthy();
    expect(screen.getByText('Secret access key must be 40 characters (letters, digits, / + =); this one has 5.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.clear(screen.getByLabelText('Access key ID'));
    await userEvent.type(screen.getByLabelText('Access key ID'), KEY_ID);
    expect(screen.queryByText(/Access key ID must be/)).toBeNull();
    expect(api.calls.map((c) => c.op)).toEqual(['aws.profiles']);
  });

  it('shows a saved key by its last four characters only', async () => {
    renderWithApi(<CredentialsStep draft={{ ...draft, credentials: { keychainKeyId: 'AKIAEXAMPLE0000WXYZ' } }} onNext={() => undefined} onBack={() => undefined} />, {
      'aws.profiles': () => [],
    });
    expect(await screen.findByText('Saved key: …WXYZ. Enter new keys to replace it.')).toBeTruthy();
    expect(document.body.textContent).not.toContain('AKIAEXAMPLE');
  });
});

describe('PermissionsStep', () => {
  it('shows one row per service with the missing actions, and the policy to copy', async () => {
    const onNext = vi.fn();
    renderWithApi(
      <PermissionsStep draft={{ step: 'aws-permissions', backend: 'aws', credentials: { profile: 'p' }, region: 'us-east-1', bucket: 'b1' }} onNext={onNext} onBack={() => undefined} />,
      {
        'aws.checkPermissions': () => ({
          rows: [
            { service: 'S3', ok: true, missing: [] },
            { service: 'EC2', ok: false, missing: ['ec2:RunInstances', 'ec2:CreateTags'] },
          ],
          policy: '{"Statement":[{"Resource":"arn:aws:s3:::b1"}]}',
        }),
        'aws.save': () => ({ backend: 'aws', home: '/h', aws: { region: 'us-east-1', bucket: 'b1' } }),
      },
    );
    const ec2 = await screen.findByRole('row', { name: /EC2/ });
    expect(ec2.textContent).toContain('ec2:RunInstances, ec2:CreateTags');
    expect(ec2.className).toBe('bad');
    expect(screen.getByRole('row', { name: /S3/ }).className).toBe('ok');
    expect(screen.getByText(/arn:aws:s3:::b1/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy policy' })).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Save anyway' }));
    await waitFor(() => expect(onNext).toHaveBeenCalledWith({ step: 'done' }));
  });
});
