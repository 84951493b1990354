/**
 * The expiry sweep: deletes dashboard sign-ins past their expiry, and on PostgreSQL the
 * rate-limit buckets nobody has used for a while, at start and then every ten minutes. Sign-ins
 * are made by anyone holding a key and buckets by every address that tries to sign in; without
 * the sweep both tables would only ever grow.
 */
import { Periodic } from '../lib/periodic.js';
import type { Store } from '../store/db.js';
import { deleteExpiredDashboardSessions } from '../store/keys.js';
import { deleteIdleBuckets } from '../store/rate-limits.js';
import { deleteExpiredUserSessions, deleteStaleLoginFailures } from '../store/users.js';

interface Log {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const EVERY_MS = 10 * 60_000;
/** Rows per delete: a backlog (say, a flood from before the limit existed) goes in short steps. */
const BATCH = 1000;
/** Any bucket is full again a minute after its last use; ten leaves a wide margin. */
const IDLE_BUCKET_MS = 10 * 60_000;

export class ExpirySweeper {
  private readonly periodic: Periodic;

  constructor(
    private readonly store: Store,
    private readonly log: Log,
    intervalMs = EVERY_MS,
  ) {
    this.periodic = new Periodic(() => this.sweep(), intervalMs, log, 'expiry sweep');
  }

  start() {
    this.periodic.start({ now: true });
  }

  stop() {
    return this.periodic.stop();
  }

  /** One round; returns what it deleted. Safe to run in any number of processes at once. */
  async sweep(now = Date.now()): Promise<{ signIns: number; buckets: number }> {
    let signIns = 0;
    for (;;) {
      const n = await deleteExpiredDashboardSessions(this.store.db, now, BATCH);
      signIns += n;
      if (n < BATCH) break;
    }
    // People's sign-ins too, and failed-sign-in counts whose window and lock are long over.
    for (;;) {
      const n = await deleteExpiredUserSessions(this.store.db, now, BATCH);
      signIns += n;
      if (n < BATCH) break;
    }
    await deleteStaleLoginFailures(this.store.db, now - 3600_000);
    const buckets = await deleteIdleBuckets(this.store, now - IDLE_BUCKET_MS);
    if (signIns || buckets) this.log.info({ signIns, buckets }, 'deleted expired sign-ins and idle rate-limit buckets');
    return { signIns, buckets };
  }
}
