// @vitest-environment jsdom
// A run whose record is unreadable shows plainly as such (the runs list and
// the detail pane both show RunStatus), with its file and what is wrong,
// instead of the stale status its head key still carries.
import { cleanup, render } from '@testing-library/react';
import { afterEach, expect, it } from 'vitest';
import type { RunSummary } from '../../../main/common/api/operations';
import { RunStatus } from '../../../renderer/src/runs/RunStatus';

afterEach(cleanup);

const t0 = Date.UTC(2026, 0, 1);
const bad: RunSummary = {
  runName: 'cut-owl-1', workflowName: 'train', jobId: 'cut-owl-1,train,0', repo: 'r', backend: 'local', status: 'running', submittedAt: t0,
  unreadable: { where: '/home/u/.dstack/local/storage/jobs/r/cut-owl-1,train,0.json', problem: 'it is not valid JSON (cut off?)' },
};

it('shows an unreadable run as unreadable, with its file and the problem', () => {
  const { container } = render(<RunStatus run={bad} />);
  expect(container.textContent).toBe('unreadable/home/u/.dstack/local/storage/jobs/r/cut-owl-1,train,0.json: it is not valid JSON (cut off?)');
  expect(container.querySelector('.status')?.className).toBe('status unreadable');
});

it('shows a readable run by its status', () => {
  const { container } = render(<RunStatus run={{ ...bad, unreadable: undefined, status: 'done' }} />);
  expect(container.textContent).toBe('done');
});
