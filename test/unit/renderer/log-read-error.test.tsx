// @vitest-environment jsdom
// A log that cannot be read ends with a row saying why and what to do, under
// the lines that did arrive, instead of an empty or cut-off log that looks
// finished.
import { cleanup, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import { LogPane } from '../../../renderer/src/logs/LogPane';
import { renderWithApi } from './render';

afterEach(cleanup);

const follows = { 'logs.follow': () => ({ subscriptionId: 'l1' }), 'events.unsubscribe': () => undefined };

it('shows the error that ended the log, with its fix, and says the log stopped', async () => {
  const { api } = renderWithApi(<LogPane projectId="p" runName="calm-owl-1" />, follows);
  await waitFor(() => expect(api.inputsOf('logs.follow')).toHaveLength(1));
  api.emit('logs.lines', {
    subscriptionId: 'l1',
    lines: [{ id: '1', time: 0, stream: 'stdout', text: 'epoch 1' }],
    done: true,
    error: {
      code: 'unavailable',
      message: 'Cannot read the log of run calm-owl-1: The log file /h/logs/r/j.jsonl cannot be read: it is a folder, not a file.',
      fix: 'Make /h/logs/r/j.jsonl a readable file again (move what is there away, or fix its permissions), then follow the log again.',
    },
  });
  const alert = await screen.findByRole('alert');
  expect(alert.textContent).toBe(
    'Cannot read the log of run calm-owl-1: The log file /h/logs/r/j.jsonl cannot be read: it is a folder, not a file.' +
      ' Make /h/logs/r/j.jsonl a readable file again (move what is there away, or fix its permissions), then follow the log again.',
  );
  // The count follows the lines' own render batch, which may land after the alert on a loaded machine.
  await waitFor(() => expect(screen.getByText(/lines · /).textContent).toMatch(/^1 lines · stopped/));
});

it('shows a log that ended normally as finished, with no error row', async () => {
  const { api } = renderWithApi(<LogPane projectId="p" runName="calm-owl-1" />, follows);
  await waitFor(() => expect(api.inputsOf('logs.follow')).toHaveLength(1));
  api.emit('logs.lines', { subscriptionId: 'l1', lines: [{ id: '1', time: 0, stream: 'stdout', text: 'epoch 1' }], done: true });
  await waitFor(() => expect(screen.getByText(/lines · /).textContent).toMatch(/^1 lines · finished/));
  expect(screen.queryByRole('alert')).toBeNull();
});
