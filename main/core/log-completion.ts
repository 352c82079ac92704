/**
 * When a followed log is complete, for log services that show entries some
 * time after they were written and not necessarily in order (CloudWatch,
 * Cloud Logging). An ended job and an empty pass do not prove that every
 * line has shown, as the delay is not bounded by a poll interval. So a
 * runner's sink writes, when it closes, one end entry with the number of
 * entries it wrote, and a follower ends once the job has ended and it has
 * read that many. A runner that never closed its sink (a lost instance)
 * leaves no end entry: its log counts as complete once the job has ended and
 * nothing new has shown for the settle time. A job that had ended longer
 * ago than the settle time when the follow started (a log written before
 * runners wrote end entries) has had that time already: one full pass
 * after it ended reads everything.
 */

/** Log services show most entries within seconds; this is the longest a follower waits on a log whose runner never closed it. */
export const LOG_SETTLE_MS = 30_000;

/** What a follower has read of one log, and whether that is all of it. */
export class LogCompletion {
  private read = 0;
  private readAtLastPass = 0;
  /** Each end entry's count, by its identity in the log: a resent end entry counts once, the ends of two sinks add up. */
  private readonly ends = new Map<string, number>();
  private quietSince: number | undefined;
  private readonly endedLongAgo: boolean;

  /**
   * @param finishedAt the job's end as its record said when the follow started, if it had ended
   * @param now the clock, for tests
   */
  constructor(
    private readonly settleMs: number,
    finishedAt: number | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.endedLongAgo = finishedAt !== undefined && now() - finishedAt >= settleMs;
  }

  /** `n` lines read for the first time. */
  counted(n: number): void {
    this.read += n;
  }

  /** An end entry, by what identifies it in the log, with the number of entries its sink wrote before it. */
  ended(key: string, written: number): void {
    this.ends.set(key, written);
  }

  /**
   * After one full pass over the log: whether it is complete. `done` is
   * whether the job had ended when the pass began, so every line the pass
   * missed was written before then.
   */
  passEnded(done: boolean): boolean {
    const found = this.read - this.readAtLastPass;
    this.readAtLastPass = this.read;
    if (!done) {
      this.quietSince = undefined;
      return false;
    }
    if (this.ends.size && this.read >= [...this.ends.values()].reduce((a, b) => a + b, 0)) return true;
    if (this.endedLongAgo) return true;
    this.quietSince = found ? undefined : (this.quietSince ?? this.now());
    return this.quietSince !== undefined && this.now() - this.quietSince >= this.settleMs;
  }
}
