// @vitest-environment jsdom
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../main/common/api/operations';
import { costSoFar, filterRuns } from '../../../renderer/src/runs/filter';
import { RunDetail } from '../../../renderer/src/RunDetail';
import { RunsList } from '../../../renderer/src/runs/RunsList';
import { useRuns } from '../../../renderer/src/runs/useRuns';
import { renderWithApi } from './render';

afterEach(cleanup);

const t0 = Date.UTC(2026, 0, 1);
const run = (runName: string, workflowName: string, status: RunSummary['status'], minutes: number, extra: Partial<RunSummary> = {}): RunSummary => ({
  runName, workflowName, status, jobId: `${runName},${workflowName},0`, repo: 'r', backend: 'local', submittedAt: t0 + minutes * 60_000, ...extra,
});
const RUNS = [run('a-1', 'train', 'running', 1), run('b-1', 'train', 'done', 2), run('c-1', 'prep', 'failed', 3), run('d-1', 'prep', 'submitted', 4)];

describe('filterRuns', () => {
  it('filters by status group, exact status and workflow, newest first', () => {
    expect(filterRuns(RUNS, { status: 'all', workflow: '' }).map((r) => r.runName)).toEqual(['d-1', 'c-1', 'b-1', 'a-1']);
    expect(filterRuns(RUNS, { status: 'active', workflow: '' }).map((r) => r.runName)).toEqual(['d-1', 'a-1']);
    expect(filterRuns(RUNS, { status: 'finished', workflow: 'train' }).map((r) => r.runName)).toEqual(['b-1']);
    expect(filterRuns(RUNS, { status: 'failed', workflow: 'train' })).toEqual([]);
  });

  it('prices AWS runs by the hour from the offer', () => {
    const offer = { instanceType: 'g5.xlarge', pricePerHour: 1.2, spot: false, region: 'us-east-1', cpu: 4, memoryMiB: 16384 };
    expect(costSoFar(run('x', 'w', 'done', 0, { offer, finishedAt: t0 + 30 * 60_000 }), 0)).toBeCloseTo(0.6);
    expect(costSoFar(RUNS[0]!, t0)).toBeUndefined();
  });
});

describe('RunsList', () => {
  it('narrows the table with the search box and the status and workflow filters', async () => {
    renderWithApi(<RunsList runs={RUNS} selected={null} onSelect={() => undefined} />, {});
    const table = screen.getByRole('table', { name: 'Runs' });
    const names = () => within(table).getAllByRole('row').slice(1).map((r) => r.querySelector('th')?.textContent);
    expect(within(table).getAllByRole('row')).toHaveLength(5);
    await userEvent.type(screen.getByRole('searchbox', { name: 'Search runs' }), 'prep');
    expect(names()).toEqual(['d-1', 'c-1']);
    await userEvent.clear(screen.getByRole('searchbox', { name: 'Search runs' }));
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Workflow' }), 'prep');
    expect(names()).toEqual(['d-1', 'c-1']);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'finished');
    expect(names()).toEqual(['c-1']);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Status' }), 'done');
    expect(screen.getByText('No run matches the search or filter.')).toBeTruthy();
  });

  it('shows why a run failed, with its exit code, in the row itself', () => {
    const failed = run('e-1', 'train', 'failed', 5, { exitCode: 3, statusReason: 'The job exited with code 3.' });
    renderWithApi(<RunsList runs={[failed]} selected={null} onSelect={() => undefined} />, {});
    const row = screen.getByRole('button', { name: 'Show run e-1' }).closest('tr')!;
    expect(within(row).getByText('exit 3 · The job exited with code 3.')).toBeTruthy();
  });

  it('is one tab stop: arrow keys move the selection between rows', async () => {
    const picked: string[] = [];
    renderWithApi(<RunsList runs={RUNS} selected="c-1" onSelect={(r) => picked.push(r)} />, {});
    const buttons = screen.getAllByRole('button', { name: /^Show run / });
    expect(buttons.filter((b) => b.tabIndex === 0).map((b) => b.textContent)).toEqual(['c-1']);
    buttons.find((b) => b.textContent === 'c-1')!.focus();
    await userEvent.keyboard('{ArrowDown}');
    await userEvent.keyboard('{Home}');
    expect(picked).toEqual(['b-1', 'd-1']);
  });
});

describe('RunDetail', () => {
  const follows = { 'logs.follow': () => ({ subscriptionId: 'l1' }), 'events.unsubscribe': () => undefined };

  it('stops, and aborts only after confirmation', async () => {
    const { api } = renderWithApi(<RunDetail projectId="p" run={RUNS[0]!} ipc={false} onRemoved={() => undefined} />, {
      ...follows,
      'runs.stop': () => ({ ...RUNS[0]!, status: 'stopping' as const }),
    });
    await userEvent.click(screen.getByRole('button', { name: 'Stop a-1' }));
    await userEvent.click(screen.getByRole('button', { name: 'Abort' }));
    expect(api.inputsOf('runs.stop')).toEqual([{ projectId: 'p', runName: 'a-1', abort: false }]);
    await userEvent.click(screen.getByRole('button', { name: 'Abort a-1' }));
    await waitFor(() => expect(api.inputsOf('runs.stop')).toHaveLength(2));
    expect(api.inputsOf('runs.stop')[1]).toEqual({ projectId: 'p', runName: 'a-1', abort: true });
  });

  it('drops Stop and Abort once the log says the job finished, before the status catches up', async () => {
    const { api } = renderWithApi(<RunDetail projectId="p" run={RUNS[0]!} ipc={false} onRemoved={() => undefined} />, follows);
    await waitFor(() => expect(api.inputsOf('logs.follow')).toHaveLength(1));
    expect(screen.getByRole('button', { name: 'Stop a-1' })).toBeTruthy();
    api.emit('logs.lines', { subscriptionId: 'l1', lines: [{ id: '1', time: t0, stream: 'stdout', text: 'bye' }], done: true });
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Stop a-1' })).toBeNull());
    expect(screen.queryByRole('button', { name: 'Abort' })).toBeNull();
  });

  it('moves between Log, Artifacts and Details with the arrow keys, as the ARIA tab pattern says', async () => {
    const failed = run('e-1', 'train', 'failed', 5, { exitCode: 3, statusReason: 'The job exited with code 3.', git: { commit: 'abcdef1234567', branch: 'main', dirty: true } });
    renderWithApi(<RunDetail projectId="p" run={failed} ipc={false} onRemoved={() => undefined} />, follows);
    screen.getByRole('tab', { name: 'Log' }).focus();
    await userEvent.keyboard('{ArrowLeft}');
    expect(screen.getByRole('tab', { name: 'Details' }).getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: 'Details' }));
    const panel = screen.getByRole('tabpanel', { name: 'Details' });
    expect(within(panel).getByText('Exit code').nextElementSibling?.textContent).toBe('3');
    expect(within(panel).getByText('Commit').nextElementSibling?.textContent).toBe('abcdef1234 on main (with uncommitted changes)');
  });
});

function Live({ projectId }: { projectId: string }) {
  const { runs } = useRuns(projectId);
  return <p>{runs ? runs.map((r) => `${r.runName}:${r.status}`).join(',') : 'loading'}</p>;
}

describe('useRuns', () => {
  it('lists once, then follows one watch subscription and ignores others', async () => {
    const { api, unmount } = renderWithApi(<Live projectId="p" />, {
      'runs.list': () => [RUNS[0]!],
      'runs.watch': () => ({ subscriptionId: 's1' }),
      'events.unsubscribe': () => undefined,
    });
    expect(await screen.findByText('a-1:running')).toBeTruthy();
    api.emit('runs.changed', { subscriptionId: 'other', runs: [] });
    api.emit('runs.changed', { subscriptionId: 's1', runs: [{ ...RUNS[0]!, status: 'done' }] });
    expect(await screen.findByText('a-1:done')).toBeTruthy();
    expect(api.inputsOf('runs.watch')).toHaveLength(1);
    unmount();
    await waitFor(() => expect(api.inputsOf('events.unsubscribe')).toEqual([{ subscriptionId: 's1' }]));
  });
});
