// @vitest-environment jsdom
/**
 * Fields are checked as the user types, in the same sentences `main/` uses
 * (main/common/fields.ts): a secret name in the Secrets panel, and the run
 * form's memory, CPUs, GPUs and tag (project/overrides.ts).
 */
import { cleanup, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsPanel } from '../../../renderer/src/panels/SecretsPanel';
import { EMPTY_FIELDS, fieldProblems } from '../../../renderer/src/project/overrides';
import { renderWithApi } from './render';

afterEach(cleanup);

describe('Secrets panel', () => {
  it('says what is wrong with a secret name as it is typed, and will not submit it', async () => {
    const { api } = renderWithApi(<SecretsPanel projectId="p" />, { 'secrets.list': () => [] });
    await userEvent.type(screen.getByLabelText('Name'), '1TOKEN');
    await userEvent.type(screen.getByLabelText('Value'), 'v');
    expect(screen.getByText('Secret name must be a variable name such as HF_TOKEN: letters, digits and underscores, not starting with a digit.')).toBeTruthy();
    expect(screen.getByLabelText('Name').getAttribute('aria-describedby')).toBe('secret-name-problem');
    expect((screen.getByRole('button', { name: 'Add secret' }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.clear(screen.getByLabelText('Name'));
    await userEvent.type(screen.getByLabelText('Name'), 'HF_TOKEN');
    expect(screen.queryByText(/Secret name must be/)).toBeNull();
    expect(api.inputsOf('secrets.set')).toEqual([]);
  });
});

describe('run form fields', () => {
  it('names each bad field in the user\u2019s words, and accepts empty ones', () => {
    expect(fieldProblems(EMPTY_FIELDS)).toEqual({});
    expect(fieldProblems({ ...EMPTY_FIELDS, memory: '8 gigs', tag: 'v 1', cpu: '0', gpu: '2.5' })).toEqual({
      memory: 'Memory must be a size such as 16GB or 512MB.',
      tag: 'Tag name may use only letters, digits, dots, dashes and underscores (up to 128).',
      cpu: 'CPUs must be a whole number from 1 to 1024.',
      gpu: 'GPUs must be a whole number from 0 to 64.',
    });
    expect(fieldProblems({ ...EMPTY_FIELDS, memory: '16GB', tag: 'v1.0', cpu: '4', gpu: '0' })).toEqual({});
  });
});
