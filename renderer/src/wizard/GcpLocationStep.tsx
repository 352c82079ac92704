/**
 * The project, the region and zone where VMs run and the bucket lives (from
 * the bundled list), and optionally the VPC network and subnet the VMs join:
 * left empty, they join the project's `default` network, as most projects want.
 */
import { useEffect, useState } from 'react';
import { useApi } from '../api/context';
import { Busy } from '../components/Busy';
import { ErrorNote } from '../components/ErrorNote';
import { useAction } from '../components/useAction';
import { StepNav } from './StepNav';
import type { StepProps } from './types';

export function GcpLocationStep({ draft, onNext, onBack }: StepProps) {
  const api = useApi();
  const [regions, setRegions] = useState<{ id: string; name: string; zones: string[] }[]>([]);
  const [project, setProject] = useState(draft.project ?? '');
  const [region, setRegion] = useState(draft.region && !/-\d$/.test(draft.region) ? draft.region : 'us-central1');
  const [zone, setZone] = useState(draft.zone ?? '');
  const [network, setNetwork] = useState(draft.network ?? '');
  const [subnet, setSubnet] = useState(draft.subnet ?? '');
  const load = useAction(() => api.call('gcp.regions', undefined));

  useEffect(() => {
    void load.run().then((list) => list && setRegions(list));
    // Loads once per visit to the step.
  }, []);

  const zones = regions.find((r) => r.id === region)?.zones ?? [];
  const chosenZone = zones.includes(zone) ? zone : (zones[0] ?? '');
  return (
    <>
      {load.busy && <Busy label="Loading regions…" onCancel={load.cancel} />}
      <ErrorNote error={load.error} />
      <div className="form-grid">
        <label htmlFor="project">Project id</label>
        <input id="project" autoComplete="off" spellCheck={false} value={project} placeholder="my-project-123" onChange={(e) => setProject(e.target.value.trim())} />
        <label htmlFor="region">Region</label>
        <select id="region" value={region} onChange={(e) => setRegion(e.target.value)}>
          {regions.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name} ({r.id})
            </option>
          ))}
        </select>
        <label htmlFor="zone">Zone</label>
        <select id="zone" value={chosenZone} onChange={(e) => setZone(e.target.value)}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
        <label htmlFor="network">Network (VPC)</label>
        <input id="network" autoComplete="off" spellCheck={false} value={network} placeholder="default" aria-describedby="network-help" onChange={(e) => setNetwork(e.target.value.trim())} />
        <label htmlFor="subnet">Subnet</label>
        <input id="subnet" autoComplete="off" spellCheck={false} value={subnet} placeholder="the network's own in this region" aria-describedby="network-help" onChange={(e) => setSubnet(e.target.value.trim())} />
      </div>
      <p id="network-help" className="muted">
        Optional. Leave both empty to use the project&apos;s default network.
      </p>
      <StepNav
        onBack={onBack}
        onNext={() => onNext({ step: 'gcp-bucket', project, region, zone: chosenZone, ...(network ? { network } : {}), ...(subnet ? { subnet } : {}) })}
        nextDisabled={!project || !chosenZone}
      />
    </>
  );
}
