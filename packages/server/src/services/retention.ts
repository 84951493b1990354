/**
 * SWITCHBOARD_RETENTION_MONTHS: with N > 0, every session whose whole calendar month (UTC) ended
 * more than N months ago is removed with its messages and events, at start and then hourly. The
 * default, 0, keeps everything (retention is unlimited unless an operator limits it); the job then only keeps
 * next month's partitions ready on PostgreSQL.
 *
 * Any number of processes may run it against one PostgreSQL: a month is dropped under an
 * advisory lock that only one of them gets, and the others skip that round.
 */
import { Periodic } from '../lib/periodic.js';
import type { Store } from '../store/db.js';
import {
  addMonths,
  ensureMonths,
  forgetMonth,
  listMonths,
  monthOf,
  monthStart,
  type Month,
  monthSuffix,
} from '../store/partitions.js';
import { deleteAuditBefore } from '../store/audit.js';
import { deleteSessionsBefore, dropMonthWithTimeout, organizationIds, type RemovedCounts } from '../store/retention.js';

export interface RetentionResult extends RemovedCounts {
  /** Sessions that started before this time were removed (null: retention is off). */
  cutoff: string | null;
  /** PostgreSQL: the months whose partitions were dropped, e.g. `p2026_01`. */
  months: string[];
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const HOUR = 3_600_000;
/** Rows per SQLite delete transaction: short enough that ingest never waits long for the file. */
const BATCH = 500;

export class RetentionJob {
  private readonly periodic: Periodic;

  constructor(
    private readonly store: Store,
    private readonly months: number,
    private readonly log: Log,
    intervalMs = HOUR,
  ) {
    this.periodic = new Periodic(() => this.run(), intervalMs, log, 'retention');
  }

  start() {
    this.periodic.start({ now: true });
  }

  stop() {
    return this.periodic.stop();
  }

  /** One round; returns what it removed. */
  async run(now = Date.now()): Promise<RetentionResult> {
    const thisMonth = monthOf(now);
    // A process that runs for weeks makes next month before the month turns.
    await ensureMonths(this.store, [now, monthStart(addMonths(thisMonth, 1))]);
    const result: RetentionResult = { cutoff: null, months: [], sessions: 0, messages: 0, events: 0 };
    if (this.months <= 0) return result;
    const cutoff = monthStart(addMonths(thisMonth, -this.months));
    result.cutoff = new Date(cutoff).toISOString();
    const add = (r: RemovedCounts) => {
      result.sessions += r.sessions;
      result.messages += r.messages;
      result.events += r.events;
    };

    if (this.store.dialect === 'postgres') {
      for (const m of await listMonths(this.store.db)) {
        if (monthStart(addMonths(m, 1)) > cutoff) break;
        const removed = await this.dropWithRetry(m);
        if (!removed) break; // another process holds the lock: it does this round
        forgetMonth(this.store, m);
        result.months.push(monthSuffix(m));
        add(removed);
      }
    } else {
      for (const orgId of await organizationIds(this.store.db)) {
        for (;;) {
          const r = await this.store.db.transaction().execute((trx) => deleteSessionsBefore(trx, orgId, cutoff, BATCH));
          add(r);
          if (r.sessions < BATCH) break;
          // Lets requests in between batches.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    }
    if (result.sessions || result.months.length) this.log.info({ ...result }, 'retention removed old sessions');
    // The audit log is kept as long as the sessions.
    let audit = 0;
    for (;;) {
      const n = await deleteAuditBefore(this.store.db, cutoff, BATCH);
      audit += n;
      if (n < BATCH) break;
    }
    if (audit) this.log.info({ auditEntries: audit, cutoff: result.cutoff }, 'retention removed old audit entries');
    return result;
  }

  /** A drop that waited too long for readers (its lock_timeout) is tried again a few times. */
  private async dropWithRetry(m: Month) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await dropMonthWithTimeout(this.store.db, m);
      } catch (err) {
        const code = (err as { code?: string })?.code;
        // 55P03: lock_timeout; 40P01: a deadlock PostgreSQL broke by aborting the drop.
        if ((code !== '55P03' && code !== '40P01') || attempt >= 5) throw err;
        this.log.warn({ month: monthSuffix(m), attempt }, 'retention waiting for readers; trying again');
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
  }
}
