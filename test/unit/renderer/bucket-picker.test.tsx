// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BucketCheck, SetupDraft } from '../../../main/common/api/operations';
import { BucketStep } from '../../../renderer/src/wizard/BucketStep';
import { renderWithApi } from './render';
import type { Handlers } from './fake-api';

afterEach(cleanup);

const draft: SetupDraft = { step: 'aws-bucket', backend: 'aws', credentials: { profile: 'p' }, region: 'us-east-1' };
const SUGGESTED = 'dstack-123456789012-us-east-1';

function handlers(checks: Record<string, BucketCheck>, listing: Handlers['aws.buckets']): Handlers {
  return {
    'aws.buckets': listing,
    'aws.identity': () => ({ account: '123456789012', arn: 'arn' }),
    'aws.checkBucket': ({ bucket }) => checks[bucket] ?? { ok: false, problem: 'missing', message: `No bucket named ${bucket}.`, canCreate: false },
    'aws.createBucket': () => undefined,
  };
}

describe('bucket picker', () => {
  it('lists buckets, filters them by typing, and picks one that checks out', async () => {
    const onNext = vi.fn();
    renderWithApi(<BucketStep draft={draft} onNext={onNext} onBack={() => undefined} />,
      handlers({ 'ml-artifacts': { ok: true } }, () => ({ allowed: true, buckets: [{ name: 'ml-artifacts' }, { name: 'logs-2024' }, { name: 'ml-scratch' }] })));
    const list = await screen.findByRole('listbox', { name: 'Buckets' });
    expect(list.querySelectorAll('[role=option]')).toHaveLength(3);
    await userEvent.type(screen.getByRole('textbox', { name: 'Bucket name' }), 'ml-');
    await waitFor(() => expect(list.querySelectorAll('[role=option]')).toHaveLength(2));
    await userEvent.click(screen.getByRole('option', { name: 'ml-artifacts' }));
    expect(await screen.findByText('✓ The bucket is reachable with these credentials.')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(onNext).toHaveBeenCalledWith({ step: 'aws-permissions', bucket: 'ml-artifacts' });
  });

  it('explains that denied listing is normal and accepts a typed name', async () => {
    renderWithApi(<BucketStep draft={draft} onNext={() => undefined} onBack={() => undefined} />,
      handlers({ 'team-bucket': { ok: true } }, () => ({ allowed: false, reason: 's3:ListAllMyBuckets is not allowed' })));
    expect(await screen.findByText(/cannot list buckets \(s3:ListAllMyBuckets is not allowed\)\. That is normal/)).toBeTruthy();
    expect(screen.queryByRole('listbox')).toBeNull();
    expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.type(screen.getByRole('textbox', { name: 'Bucket name' }), 'team-bucket');
    await waitFor(() => expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(false));
  });

  it('shows bad syntax and no access inline, and keeps Next disabled', async () => {
    renderWithApi(<BucketStep draft={draft} onNext={() => undefined} onBack={() => undefined} />,
      handlers({
        'Bad_Name': { ok: false, problem: 'syntax', message: 'Bucket names use lowercase letters, digits, dots and hyphens.' },
        'locked': { ok: false, problem: 'access', message: 'Access denied to bucket locked: the credentials lack s3:ListBucket.' },
      }, () => ({ allowed: false, reason: 'denied' })));
    const input = await screen.findByRole('textbox', { name: 'Bucket name' });
    await userEvent.type(input, 'Bad_Name');
    expect((await screen.findByRole('alert')).textContent).toContain('lowercase letters');
    await userEvent.clear(input);
    await userEvent.type(input, 'locked');
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('lack s3:ListBucket'));
    expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('offers to switch to the bucket’s region', async () => {
    const onNext = vi.fn();
    renderWithApi(<BucketStep draft={draft} onNext={onNext} onBack={() => undefined} />,
      handlers({ 'eu-data': { ok: false, problem: 'region', message: 'Bucket eu-data is in eu-central-1, not us-east-1.', bucketRegion: 'eu-central-1' } },
        () => ({ allowed: false, reason: 'denied' })));
    await userEvent.type(await screen.findByRole('textbox', { name: 'Bucket name' }), 'eu-data');
    await userEvent.click(await screen.findByRole('button', { name: 'Switch region to eu-central-1' }));
    expect(onNext).toHaveBeenCalledWith({ step: 'aws-bucket', region: 'eu-central-1', bucket: 'eu-data' });
  });

  it('offers to create dstack-{account}-{region} when allowed, and uses it once created', async () => {
    let created = false;
    const h = handlers({}, () => ({ allowed: true, buckets: [] }));
    h['aws.checkBucket'] = ({ bucket }) =>
      bucket === SUGGESTED && created ? { ok: true } : { ok: false, problem: 'missing', message: `No bucket named ${bucket}.`, canCreate: true };
    h['aws.createBucket'] = () => void (created = true);
    const { api } = renderWithApi(<BucketStep draft={draft} onNext={() => undefined} onBack={() => undefined} />, h);
    await userEvent.click(await screen.findByRole('button', { name: `Create ${SUGGESTED}` }));
    expect(await screen.findByText('✓ The bucket is reachable with these credentials.')).toBeTruthy();
    expect((screen.getByRole('textbox', { name: 'Bucket name' }) as HTMLInputElement).value).toBe(SUGGESTED);
    expect(api.inputsOf('aws.createBucket')).toEqual([{ credentials: { profile: 'p' }, region: 'us-east-1', bucket: SUGGESTED }]);
    expect(screen.queryByRole('button', { name: `Create ${SUGGESTED}` })).toBeNull();
  });

  it('shows progress while listing and can cancel it', async () => {
    renderWithApi(<BucketStep draft={draft} onNext={() => undefined} onBack={() => undefined} />,
      handlers({}, () => new Promise(() => undefined)));
    const busy = await screen.findByRole('status');
    expect(busy.textContent).toContain('Looking for buckets');
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByText('Looking for buckets…')).toBeNull();
    expect(screen.getByRole('textbox', { name: 'Bucket name' })).toBeTruthy();
  });
});
