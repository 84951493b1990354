/**
 * Transactions that are run again when they fail for a reason that leaves nothing behind and
 * goes away on its own (a deadlock, a month without its partition); shared by the single-item
 * ingest routes, `POST /ingest` and the demo generator.
 */
import type { Store } from '../store/db.js';
import { createMonth, missingPartitionTime, monthOf } from '../store/partitions.js';

/**
 * Runs a whole transaction, and runs it again after the two failures that leave nothing behind
 * and go away on their own:
 * - PostgreSQL broke a deadlock by aborting it. Agent counters are updated at commit, behind the
 *   outbox lock; a transaction that renamed an agent earlier holds that row while it waits for
 *   the lock, and the one holding the lock may need the row. Both are rare (a rename, or two
 *   batches introducing one agent).
 * - A row needed a month that has no partition yet (PostgreSQL, 0006): a client may send any
 *   startedAt. The month is created in its own short transaction, after this one rolled back,
 *   so partition DDL never waits behind (or holds) ingest's locks.
 */
export async function retryTransaction<T>(store: Store, fn: () => Promise<T>, attempts = 4): Promise<T> {
  let deadlocks = 0;
  let months = 0;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const missing = missingPartitionTime(err);
      // Bounded: each round creates one month, and callers create a batch's months up front.
      if (missing !== undefined && ++months <= 16) {
        await createMonth(store, monthOf(missing));
        continue;
      }
      if (!isRetryable(err) || ++deadlocks >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 5 * deadlocks + Math.random() * 20));
    }
  }
}

/** An error that aborts the whole transaction and is cured by running it again (above). */
export function isRetryable(err: unknown): boolean {
  return (err as { code?: string })?.code === '40P01' || missingPartitionTime(err) !== undefined;
}

/** A unique-constraint violation from either driver: another writer created the row first. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
