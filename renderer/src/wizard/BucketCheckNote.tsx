/**
 * What the inline bucket check found, in words, with the one action that
 * fixes it when there is one (switch to the bucket's region).
 */
import { ErrorNote } from '../components/ErrorNote';
import type { CheckState } from './useBucketCheck';

export function BucketCheckNote({ check, onSwitchRegion }: { check: CheckState; onSwitchRegion: (region: string) => void }) {
  if (check.state === 'idle') return null;
  if (check.state === 'checking') return <p className="muted" role="status">Checking the bucket…</p>;
  if (check.state === 'error') return <ErrorNote error={check.error} />;
  const r = check.result;
  if (r.ok) return <p className="ok" role="status">✓ The bucket is reachable with these credentials.</p>;
  return (
    <div role="alert" className="error-note">
      <span>{r.message}</span>
      {r.problem === 'region' && r.bucketRegion && <SwitchRegion region={r.bucketRegion} onSwitch={onSwitchRegion} />}
    </div>
  );
}

function SwitchRegion({ region, onSwitch }: { region: string; onSwitch: (region: string) => void }) {
  return (
    <button type="button" onClick={() => onSwitch(region)}>
      Switch region to {region}
    </button>
  );
}
