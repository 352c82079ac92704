/** The artifact tree for the selected run, or for a tag picked from the project's tags. */
import { useEffect, useState } from 'react';
import type { ArtifactSource } from '../../../main/common/api/operations';
import { useApi } from '../api/context';
import { ArtifactTree } from './ArtifactFolder';
import { StorageLabel, storageLabel } from './where';

export function ArtifactBrowser({ projectId, runName, ipc }: { projectId: string; runName: string | null; ipc: boolean }) {
  const api = useApi();
  const [tags, setTags] = useState<string[]>([]);
  const [tag, setTag] = useState('');
  const [storage, setStorage] = useState(storageLabel(null));

  useEffect(() => {
    api.call('setup.get', undefined).then((s) => setStorage(storageLabel(s.config.backend)), () => undefined);
  }, [api]);

  useEffect(() => {
    api.call('tags.list', { projectId }).then((t) => setTags(t.map((x) => x.tag)), () => setTags([]));
  }, [api, projectId]);

  const source: ArtifactSource | null = tag ? { tag } : runName ? { runName } : null;
  return (
    <section aria-labelledby="art-title" className="artifacts">
      <div className="row">
        <h3 id="art-title">Artifacts</h3>
        <label>
          Source{' '}
          <select value={tag} onChange={(e) => setTag(e.target.value)}>
            <option value="">{runName ? `Run ${runName}` : 'Selected run'}</option>
            {tags.map((t) => (
              <option key={t} value={t}>
                Tag {t}
              </option>
            ))}
          </select>
        </label>
      </div>
      {source ? (
        <StorageLabel.Provider value={storage}>
          <ArtifactTree key={JSON.stringify(source)} labelledBy="art-title" projectId={projectId} source={source} ipc={ipc} />
        </StorageLabel.Provider>
      ) : (
        <p className="muted">Select a run to see its artifacts.</p>
      )}
    </section>
  );
}
