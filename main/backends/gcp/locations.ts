/**
 * The regions and zones `dstack config gcp` and the wizard offer, bundled so
 * the choice needs no API call (listing zones needs compute.zones.list,
 * which the dstack role does not grant). From `gcloud compute zones list`,
 * late 2026. Also which bucket locations fit a region: a job's VM reads and
 * writes the bucket, so it must be in the region or a multi- or
 * dual-region that contains it (otherwise every byte crosses regions and is
 * billed as egress).
 */
export interface GcpRegion {
  id: string;
  /** Where it is, in the user's words. */
  name: string;
  /** Zone suffixes: `a` is `{id}-a`. */
  zones: readonly string[];
}

export const GCP_REGIONS: readonly GcpRegion[] = [
  { id: 'us-central1', name: 'Iowa', zones: ['a', 'b', 'c', 'f'] },
  { id: 'us-east1', name: 'South Carolina', zones: ['b', 'c', 'd'] },
  { id: 'us-east4', name: 'Northern Virginia', zones: ['a', 'b', 'c'] },
  { id: 'us-east5', name: 'Columbus', zones: ['a', 'b', 'c'] },
  { id: 'us-south1', name: 'Dallas', zones: ['a', 'b', 'c'] },
  { id: 'us-west1', name: 'Oregon', zones: ['a', 'b', 'c'] },
  { id: 'us-west2', name: 'Los Angeles', zones: ['a', 'b', 'c'] },
  { id: 'us-west3', name: 'Salt Lake City', zones: ['a', 'b', 'c'] },
  { id: 'us-west4', name: 'Las Vegas', zones: ['a', 'b', 'c'] },
  { id: 'northamerica-northeast1', name: 'Montréal', zones: ['a', 'b', 'c'] },
  { id: 'northamerica-northeast2', name: 'Toronto', zones: ['a', 'b', 'c'] },
  { id: 'southamerica-east1', name: 'São Paulo', zones: ['a', 'b', 'c'] },
  { id: 'europe-west1', name: 'Belgium', zones: ['b', 'c', 'd'] },
  { id: 'europe-west2', name: 'London', zones: ['a', 'b', 'c'] },
  { id: 'europe-west3', name: 'Frankfurt', zones: ['a', 'b', 'c'] },
  { id: 'europe-west4', name: 'Netherlands', zones: ['a', 'b', 'c'] },
  { id: 'europe-west6', name: 'Zürich', zones: ['a', 'b', 'c'] },
  { id: 'europe-west9', name: 'Paris', zones: ['a', 'b', 'c'] },
  { id: 'europe-north1', name: 'Finland', zones: ['a', 'b', 'c'] },
  { id: 'europe-central2', name: 'Warsaw', zones: ['a', 'b', 'c'] },
  { id: 'asia-east1', name: 'Taiwan', zones: ['a', 'b', 'c'] },
  { id: 'asia-east2', name: 'Hong Kong', zones: ['a', 'b', 'c'] },
  { id: 'asia-northeast1', name: 'Tokyo', zones: ['a', 'b', 'c'] },
  { id: 'asia-northeast2', name: 'Osaka', zones: ['a', 'b', 'c'] },
  { id: 'asia-northeast3', name: 'Seoul', zones: ['a', 'b', 'c'] },
  { id: 'asia-south1', name: 'Mumbai', zones: ['a', 'b', 'c'] },
  { id: 'asia-southeast1', name: 'Singapore', zones: ['a', 'b', 'c'] },
  { id: 'australia-southeast1', name: 'Sydney', zones: ['a', 'b', 'c'] },
  { id: 'me-west1', name: 'Tel Aviv', zones: ['a', 'b', 'c'] },
];

export function gcpRegion(id: string): GcpRegion | undefined {
  return GCP_REGIONS.find((r) => r.id === id);
}

/** The region's zones, full names (`us-central1-a`). */
export function zonesOf(region: string): string[] {
  return (gcpRegion(region)?.zones ?? []).map((z) => `${region}-${z}`);
}

/** Multi-regions by the continent prefix of the regions they span. */
const MULTI: Record<string, (region: string) => boolean> = {
  US: (r) => r.startsWith('us-'),
  EU: (r) => r.startsWith('europe-'),
  ASIA: (r) => r.startsWith('asia-'),
};

/** Google's predefined dual-regions and the two regions each spans. */
const DUAL: Record<string, readonly string[]> = {
  NAM4: ['us-central1', 'us-east1'],
  EUR4: ['europe-north1', 'europe-west4'],
  EUR5: ['europe-west1', 'europe-west2'],
  EUR7: ['europe-west2', 'europe-west3'],
  EUR8: ['europe-west3', 'europe-west6'],
  ASIA1: ['asia-northeast1', 'asia-northeast2'],
};

/** True when a bucket in `location` (as Cloud Storage says it: `US-CENTRAL1`, `US`, `NAM4`) serves VMs in `region` without crossing regions. */
export function bucketFitsRegion(location: string, region: string): boolean {
  const loc = location.toUpperCase();
  if (loc === region.toUpperCase()) return true;
  if (MULTI[loc]) return MULTI[loc](region);
  return DUAL[loc]?.includes(region) ?? false;
}

/** The bucket `dstack config gcp` offers to create, as dstack 0.7 named it. */
export function defaultGcpBucketName(project: string, region: string): string {
  return `dstack-${project}-${region}`.toLowerCase().slice(0, 63).replace(/-+$/, '');
}
