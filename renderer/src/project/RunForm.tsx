/**
 * Runs one workflow with optional overrides. On AWS the instance type and
 * price come first (`runs.offer`), so nobody launches a GPU by surprise; on
 * Local there is no choice to show, and Run submits at once.
 */
import { useState } from 'react';
import type { InstanceOffer } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { ErrorNote } from '../components/ErrorNote';
import { formatMoney } from '../components/format';
import { useAction } from '../components/useAction';
import { FieldProblem } from '../components/FieldProblem';
import { useAppStore } from '../store';
import { EMPTY_FIELDS, fieldProblems, toRequest, type RunFields } from './overrides';

export function RunForm({ projectId, workflow, aws, onSubmitted, onClose }: {
  projectId: string;
  workflow: string;
  aws: boolean;
  onSubmitted: (runName: string) => void;
  onClose: () => void;
}) {
  const api = useApi();
  const [f, setF] = useState<RunFields>(EMPTY_FIELDS);
  const [offer, setOffer] = useState<InstanceOffer | null>(null);
  const problems = fieldProblems(f);
  const localGpus = useAppStore((s) => s.info?.localGpus ?? 0);
  const invalid = Object.keys(problems).length > 0;
  const quote = useAction(() => api.call('runs.offer', toRequest(projectId, workflow, f)));
  const submit = useAction(() => api.call('runs.submit', toRequest(projectId, workflow, f)));
  const field = (k: keyof RunFields) => (e: { target: { value: string } }) => {
    setOffer(null);
    quote.clearError();
    submit.clearError();
    setF({ ...f, [k]: e.target.value } as RunFields);
  };

  const run = async () => {
    if (aws && !offer) {
      const o = await quote.run();
      if (o) return setOffer(o);
      if (o === undefined) return;
    }
    const r = await submit.run();
    if (r) onSubmitted(r.runName);
  };

  return (
    <form className="run-form" aria-label={`Run ${workflow}`} onSubmit={(e) => { e.preventDefault(); void run(); }}>
      <div className="form-grid">
        <label htmlFor="run-args">Arguments</label>
        <input id="run-args" value={f.args} onChange={field('args')} spellCheck={false} />
        <label htmlFor="run-cpu">CPUs</label>
        <input id="run-cpu" type="number" min={1} value={f.cpu} onChange={field('cpu')} aria-invalid={problems.cpu ? true : undefined} aria-describedby={problems.cpu ? 'run-cpu-problem' : undefined} />
        <FieldProblem id="run-cpu-problem" problem={problems.cpu} />
        <label htmlFor="run-memory">Memory</label>
        <input id="run-memory" value={f.memory} onChange={field('memory')} placeholder="e.g. 16GB" aria-invalid={problems.memory ? true : undefined} aria-describedby={problems.memory ? 'run-memory-problem' : undefined} />
        <FieldProblem id="run-memory-problem" problem={problems.memory} />
        <label htmlFor="run-gpu">GPUs</label>
        <input id="run-gpu" type="number" min={0} value={f.gpu} onChange={field('gpu')} aria-invalid={problems.gpu ? true : undefined} aria-describedby={problems.gpu ? 'run-gpu-problem' : undefined} />
        <FieldProblem id="run-gpu-problem" problem={problems.gpu} />
        <label htmlFor="run-tag">Tag</label>
        <input id="run-tag" value={f.tag} onChange={field('tag')} aria-invalid={problems.tag ? true : undefined} aria-describedby={problems.tag ? 'run-tag-problem' : undefined} />
        <FieldProblem id="run-tag-problem" problem={problems.tag} />
        {aws && (
          <>
            <label htmlFor="run-spot">Spot instance</label>
            <select id="run-spot" value={f.spot} onChange={field('spot')}>
              <option value="">As the workflow says</option>
              <option value="spot">Yes: spot</option>
              <option value="on-demand">No: on-demand</option>
            </select>
          </>
        )}
      </div>
      {!aws && Number(f.gpu) > localGpus && (
        <p className="warn" role="note">
          {localGpus === 0
            ? 'This computer has no GPU, so a local run gets none.'
            : `This computer has ${localGpus} GPU${localGpus === 1 ? '' : 's'}; a local run gets no more.`}{' '}
          For GPUs on demand, configure AWS in Settings.
        </p>
      )}
      {offer && (
        <p role="status" className="offer">
          {offer.instanceType}
          {offer.spot ? ' (spot)' : ''} in {offer.region}: {offer.cpu} CPUs, {Math.round(offer.memoryMiB / 1024)} GiB
          {offer.gpu ? `, ${offer.gpu.count}× ${offer.gpu.name}` : ''} — {formatMoney(offer.pricePerHour)}/hour
        </p>
      )}
      {quote.busy && <Busy label="Finding an instance…" onCancel={quote.cancel} />}
      {submit.busy && <Busy label="Submitting…" onCancel={submit.cancel} />}
      <ErrorNote error={quote.error ?? submit.error} />
      <div className="row">
        <button type="submit" className="primary" disabled={quote.busy || submit.busy || invalid}>
          {aws && !offer ? 'Check price' : offer ? `Launch for ${formatMoney(offer.pricePerHour)}/hour` : 'Run'}
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
