// @vitest-environment jsdom
/**
 * A folder without `.dstack/workflows` is offered `dstack init` (a button)
 * instead of being opened as an empty project; the button runs
 * `projects.init` for the same typed path and opens the result.
 */
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DstackError } from '../../../main/common/errors';
import { ProjectPicker } from '../../../renderer/src/project/ProjectPicker';
import { renderWithApi } from './render';

afterEach(cleanup);

describe('ProjectPicker', () => {
  it('offers "Create .dstack/workflows here" for a folder that is not a project yet, and opens it after', async () => {
    const onOpen = vi.fn();
    const project = { id: 'p1', name: 'plain', displayPath: '~/plain' };
    const { api } = renderWithApi(<ProjectPicker transport="http" onOpen={onOpen} />, {
      'projects.recent': () => [],
      'projects.open': () => {
        throw new DstackError('not_found', '~/plain has no .dstack/workflows folder, so it is not a dstack project yet.', {
          fix: 'Create .dstack/workflows here (what `dstack init` does), then add a workflow file to it.',
          details: { canInit: true, folder: '~/plain' },
        });
      },
      'projects.init': () => project,
    });
    await userEvent.type(screen.getByLabelText('Project folder'), '~/plain');
    await userEvent.click(screen.getByRole('button', { name: 'Open' }));
    expect((await screen.findByRole('alert')).textContent).toContain('~/plain has no .dstack/workflows folder');
    expect(onOpen).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Create .dstack/workflows here' }));
    await waitFor(() => expect(onOpen).toHaveBeenCalledWith(project));
    expect(api.inputsOf('projects.init')).toEqual([{ path: '~/plain' }]);
  });

  it('shows no init offer for other errors', async () => {
    renderWithApi(<ProjectPicker transport="http" onOpen={() => undefined} />, {
      'projects.recent': () => [],
      'projects.open': () => {
        throw new DstackError('not_found', 'No folder at ~/nope.', { fix: 'Pick a project folder that holds .dstack/workflows.' });
      },
    });
    await userEvent.type(screen.getByLabelText('Project folder'), '~/nope');
    await userEvent.click(screen.getByRole('button', { name: 'Open' }));
    await screen.findByRole('alert');
    expect(screen.queryByRole('button', { name: 'Create .dstack/workflows here' })).toBeNull();
  });
});
