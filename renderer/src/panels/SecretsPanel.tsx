/**
 * Secrets: names are listed, values are write-only. A value typed here goes
 * to `main/` once and is never read back, so it cannot leak through the UI.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { secretNameProblem } from '../../../main/common/fields';
import { useApi } from '../api/context';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorNote } from '../components/ErrorNote';
import { FieldProblem } from '../components/FieldProblem';
import { useAction } from '../components/useAction';

export function SecretsPanel({ projectId }: { projectId: string }) {
  const api = useApi();
  const [names, setNames] = useState<string[]>([]);
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const act = useAction(async (fn: () => Promise<void>) => {
    await fn();
    setNames(await api.call('secrets.list', { projectId }));
  });

  useEffect(() => void act.run(async () => undefined), [projectId]);

  const nameProblem = name.trim() ? secretNameProblem(name) : undefined;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    await act.run(() => api.call('secrets.set', { projectId, name: n, value }));
    setValue('');
    setName('');
  };

  return (
    <section aria-labelledby="secrets-title" className="panel">
      <h2 id="secrets-title">Secrets</h2>
      <p className="muted">Workflows read secrets as environment variables. Values cannot be viewed again, only replaced.</p>
      <ul aria-label="Secret names">
        {names.map((n) => (
          <li key={n} className="row">
            <code>{n}</code>
            <button type="button" onClick={() => { setName(n); setValue(''); }} aria-label={`Update ${n}`}>
              Update
            </button>
            <ConfirmButton label="Delete" question={`Delete secret ${n}?`} confirmLabel={`Delete ${n}`}
              onConfirm={() => void act.run(() => api.call('secrets.delete', { projectId, name: n }))} />
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={(e) => void submit(e)} aria-label="Set a secret">
        <label htmlFor="secret-name">Name</label>
        <input id="secret-name" value={name} onChange={(e) => setName(e.target.value)} spellCheck={false}
          aria-invalid={Boolean(nameProblem)} aria-describedby={nameProblem ? 'secret-name-problem' : undefined} />
        <label htmlFor="secret-value">Value</label>
        <input id="secret-value" type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
        <button type="submit" disabled={!name.trim() || Boolean(nameProblem) || !value || act.busy}>
          {names.includes(name.trim()) ? 'Update secret' : 'Add secret'}
        </button>
      </form>
      <FieldProblem id="secret-name-problem" problem={nameProblem} />
      <ErrorNote error={act.error} />
    </section>
  );
}
