/** Tags name a run's artifacts so other workflows can use them as a dep (`deps: - tag: NAME`). */
import { useEffect, useState, type FormEvent } from 'react';
import type { RunSummary } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { ConfirmButton } from '../components/ConfirmButton';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { tagNameProblem } from '../../../main/common/fields';
import { FieldProblem } from '../components/FieldProblem';
import { toast } from '../shell/toasts';
import { useCapabilities } from '../capabilities';

export function TagsPanel({ projectId, runs }: { projectId: string; runs: RunSummary[] }) {
  const api = useApi();
  const { run: canTag } = useCapabilities();
  const [tags, setTags] = useState<{ tag: string; runName: string }[]>([]);
  const [tag, setTag] = useState('');
  const [runName, setRunName] = useState('');
  const act = useAction(async (fn: () => Promise<void>) => {
    await fn();
    setTags(await api.call('tags.list', { projectId }));
    return true;
  });
  // Only a finished run that kept its artifacts can carry a tag; offering others would only end in an error.
  const tagProblem = tag.trim() ? tagNameProblem(tag) : undefined;
  const taggable = runs.filter((r) => (r.status === 'done' || r.status === 'stopped') && !r.tag && !r.unreadable);

  useEffect(() => void act.run(async () => undefined), [projectId]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // A failed add keeps what was typed, so the user fixes the name instead of typing it again.
    if (await act.run(() => api.call('tags.add', { projectId, tag: tag.trim(), runName }))) {
      setTag('');
      setRunName('');
      toast(`Tagged ${runName} as ${tag.trim()}.`);
    }
  };

  return (
    <section aria-labelledby="tags-title" className="panel">
      <h2 id="tags-title">Tags</h2>
      {tags.length === 0 && (
        <p className="muted">
          A tag names a finished run's artifacts, so they outlive the run and other workflows can use them: add{' '}
          <code>deps: [{'{'} tag: NAME {'}'}]</code> to a workflow, or run <code>dstack cp :NAME</code>.
        </p>
      )}
      <table aria-labelledby="tags-title" hidden={tags.length === 0}>
        <thead>
          <tr>
            <th scope="col">Tag</th>
            <th scope="col">Run</th>
            {canTag && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {tags.map((t) => (
            <tr key={t.tag}>
              <th scope="row">{t.tag}</th>
              <td>{t.runName}</td>
              {canTag && (
                <td>
                  <ConfirmButton label="Delete" question={`Delete tag ${t.tag}?`} confirmLabel={`Delete ${t.tag}`}
                    onConfirm={() => void act.run(() => api.call('tags.delete', { projectId, tag: t.tag }))} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {canTag && (
      <form className="row" onSubmit={(e) => void submit(e)} aria-label="Add a tag">
        <label htmlFor="tag-name">Tag</label>
        <input id="tag-name" value={tag} onChange={(e) => setTag(e.target.value)} spellCheck={false}
          aria-invalid={tagProblem ? true : undefined} aria-describedby={tagProblem ? 'tag-name-problem' : undefined} />
        <label htmlFor="tag-run">Run</label>
        <select id="tag-run" value={runName} onChange={(e) => setRunName(e.target.value)}>
          <option value="">Choose a run</option>
          {taggable.map((r) => (
            <option key={r.runName} value={r.runName}>
              {r.runName} ({r.workflowName}, {r.status})
            </option>
          ))}
        </select>
        <button type="submit" disabled={!tag.trim() || !runName || act.busy || !!tagProblem}>
          Add tag
        </button>
        <FieldProblem id="tag-name-problem" problem={tagProblem} />
      </form>
      )}
      <ErrorNote error={act.error} />
    </section>
  );
}
