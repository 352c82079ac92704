/**
 * One line of a job's output. It lives in common/ because it crosses every
 * boundary: runners write it, backends store it, and the API carries it to
 * the renderer, which may import nothing but common/.
 */
export interface LogEvent {
  /** Unique within the job's log; orders it. */
  id: string;
  time: number;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
}
