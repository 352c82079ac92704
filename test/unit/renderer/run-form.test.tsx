// @vitest-environment jsdom
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunForm } from '../../../renderer/src/project/RunForm';
import { splitArgs } from '../../../renderer/src/project/overrides';
import { DstackError } from '../../../main/common/errors';
import { useAppStore } from '../../../renderer/src/store';
import { renderWithApi } from './render';

afterEach(cleanup);

const offer = { instanceType: 'g5.xlarge', pricePerHour: 0.402, spot: true, region: 'us-east-1', cpu: 4, memoryMiB: 16384, gpu: { name: 'A10G', count: 1, memoryMiB: 24576 } };

describe('RunForm', () => {
  it('on AWS shows the instance and its hourly price before launching with the overrides', async () => {
    const onSubmitted = vi.fn();
    const { api } = renderWithApi(<RunForm projectId="p" workflow="train" aws onSubmitted={onSubmitted} onClose={() => undefined} />, {
      'runs.offer': () => offer,
      'runs.submit': () => ({ runName: 'calm-fox-1' }),
    });
    await userEvent.type(screen.getByLabelText('Arguments'), '--epochs 3 "a b"');
    await userEvent.type(screen.getByLabelText('GPUs'), '1');
    await userEvent.selectOptions(screen.getByLabelText('Spot instance'), 'Yes: spot');
    await userEvent.type(screen.getByLabelText('Tag'), 'best');
    await userEvent.click(screen.getByRole('button', { name: 'Check price' }));
    expect((await screen.findByText(/g5\.xlarge \(spot\) in us-east-1/)).textContent).toContain('1× A10G — $0.402/hour');
    expect(api.inputsOf('runs.submit')).toEqual([]);
    await userEvent.click(screen.getByRole('button', { name: 'Launch for $0.402/hour' }));
    await waitFor(() => expect(onSubmitted).toHaveBeenCalledWith('calm-fox-1'));
    expect(api.inputsOf('runs.submit')).toEqual([
      { projectId: 'p', workflow: 'train', args: ['--epochs', '3', 'a b'], tag: 'best', overrides: { gpu: 1, spot: true } },
    ]);
  });

  it('on Local submits at once', async () => {
    const onSubmitted = vi.fn();
    const { api } = renderWithApi(<RunForm projectId="p" workflow="hello" aws={false} onSubmitted={onSubmitted} onClose={() => undefined} />, {
      'runs.submit': () => ({ runName: 'r-1' }),
    });
    await userEvent.click(screen.getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(onSubmitted).toHaveBeenCalledWith('r-1'));
    expect(api.calls.map((c) => c.op)).toEqual(['runs.submit']);
  });

  it('splits args like a shell for quotes and spaces', () => {
    expect(splitArgs(`  a 'b c' "d e"  f `)).toEqual(['a', 'b c', 'd e', 'f']);
  });
});

describe('RunForm overrides', () => {
  it('sends on-demand as spot: false, memory with its unit, and nothing for untouched fields', async () => {
    const { api } = renderWithApi(<RunForm projectId="p" workflow="train" aws onSubmitted={() => undefined} onClose={() => undefined} />, {
      'runs.offer': () => ({ instanceType: 'm5.large', pricePerHour: 0.1, spot: false, region: 'us-east-1', cpu: 2, memoryMiB: 8192 }),
      'runs.submit': () => ({ runName: 'r-2' }),
    });
    await userEvent.type(screen.getByLabelText('Memory'), '8GB');
    await userEvent.selectOptions(screen.getByLabelText('Spot instance'), 'No: on-demand');
    await userEvent.click(screen.getByRole('button', { name: 'Check price' }));
    await userEvent.click(await screen.findByRole('button', { name: /^Launch for/ }));
    await waitFor(() => expect(api.inputsOf('runs.submit')).toHaveLength(1));
    expect(api.inputsOf('runs.submit')[0]).toEqual({ projectId: 'p', workflow: 'train', args: [], overrides: { memory: '8GB', spot: false } });
  });

  it('on Local hides the spot choice and warns when more GPUs are asked for than this computer has', async () => {
    useAppStore.setState({ info: { version: '0', transport: 'http', platform: 'linux', configured: true, localGpus: 1 } });
    renderWithApi(<RunForm projectId="p" workflow="train" aws={false} onSubmitted={() => undefined} onClose={() => undefined} />, {});
    expect(screen.queryByLabelText('Spot instance')).toBeNull();
    await userEvent.type(screen.getByLabelText('GPUs'), '1');
    expect(screen.queryByRole('note')).toBeNull();
    await userEvent.clear(screen.getByLabelText('GPUs'));
    await userEvent.type(screen.getByLabelText('GPUs'), '2');
    expect(screen.getByRole('note').textContent).toMatch(/^This computer has 1 GPU; a local run gets no more\./);
    useAppStore.setState({ info: { version: '0', transport: 'http', platform: 'linux', configured: true, localGpus: 0 } });
    expect((await screen.findByRole('note')).textContent).toMatch(/^This computer has no GPU, so a local run gets none\./);
  });

  it('clears an old error as soon as a field changes', async () => {
    renderWithApi(<RunForm projectId="p" workflow="train" aws={false} onSubmitted={() => undefined} onClose={() => undefined} />, {
      'runs.submit': () => Promise.reject(new DstackError('invalid_argument', 'This machine has 8 GB of memory; ask for at most 8GB.')),
    });
    await userEvent.type(screen.getByLabelText('Memory'), '64GB');
    await userEvent.click(screen.getByRole('button', { name: 'Run' }));
    expect((await screen.findByRole('alert')).textContent).toContain('ask for at most 8GB');
    await userEvent.clear(screen.getByLabelText('Memory'));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says what is wrong with a field as it is typed, and keeps Run disabled until it is fixed', async () => {
    renderWithApi(<RunForm projectId="p" workflow="train" aws={false} onSubmitted={() => undefined} onClose={() => undefined} />, {});
    await userEvent.type(screen.getByLabelText('Memory'), 'lots');
    const memory = screen.getByLabelText('Memory');
    expect(memory.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(memory.getAttribute('aria-describedby')!)?.textContent).toMatch(/^Memory must be a size such as 16GB/);
    expect((screen.getByRole('button', { name: 'Run' }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.clear(memory);
    await userEvent.type(memory, '16GB');
    expect(memory.getAttribute('aria-invalid')).toBeNull();
    expect((screen.getByRole('button', { name: 'Run' }) as HTMLButtonElement).disabled).toBe(false);
  });
});
