/** The AWS region where instances run and the bucket lives. */
import { useEffect, useState } from 'react';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { StepNav } from './StepNav';
import type { StepProps } from './types';

export function RegionStep({ draft, onNext, onBack }: StepProps) {
  const api = useApi();
  const [regions, setRegions] = useState<{ id: string; name: string }[]>([]);
  const [region, setRegion] = useState(draft.region ?? 'us-east-1');
  const load = useAction(() => api.call('aws.regions', undefined));

  useEffect(() => {
    void load.run().then((list) => list && setRegions(list));
    // Loads once per visit to the step; later edits must not reload it.
  }, []);

  return (
    <>
      {load.busy && <Busy label="Loading regions…" onCancel={load.cancel} />}
      <ErrorNote error={load.error} />
      <label htmlFor="region">Region</label>
      <select id="region" value={region} onChange={(e) => setRegion(e.target.value)}>
        {!regions.some((r) => r.id === region) && <option value={region}>{region}</option>}
        {regions.map((r) => (
          <option key={r.id} value={r.id}>
            {r.name} ({r.id})
          </option>
        ))}
      </select>
      <StepNav onBack={onBack} onNext={() => onNext({ step: 'aws-bucket', region })} />
    </>
  );
}
