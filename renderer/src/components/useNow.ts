/** The current time, refreshed every `ms`, for durations and costs that grow while a run is live. */
import { useEffect, useState } from 'react';

export function useNow(ms = 1000, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms, active]);
  return now;
}
