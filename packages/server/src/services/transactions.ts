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

export type Tx = Awaited<ReturnType<ReturnType<Store['db']['startTransaction']>['execute']>>;

/** What became of one job of a group run together: its value, or the error it alone is refused with. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; err: unknown };

/**
 * Jobs that can run as one: `run` applies every job's `input` with a fixed number of statements
 * and answers each job on its own (a job refused for its own reason, such as an unknown session,
 * changes nothing). Consecutive jobs with the same `key` in a commit are run together.
 */
export interface Together<I, T> {
  key: string;
  input: I;
  run: (trx: Tx, inputs: I[]) => Promise<Array<Outcome<T>>>;
}

interface Job {
  fn: (trx: Tx) => Promise<unknown>;
  /** Items it writes: a commit takes jobs up to `maxItems` of them (a single write is 1). */
  weight: number;
  together?: Together<unknown, unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for the single-item write routes. Each commit waits for the disk; on SQLite
 * (synchronous=FULL) better-sqlite3 waits on the event loop, and on PostgreSQL each commit holds
 * the outbox's ordering lock while it flushes. So a hundred agents each sending one message at a
 * time got a transaction and a flush each, one after another: about 180 requests/s on SQLite and
 * 85 on PostgreSQL (measured, 100 connections). Here, transactions that arrive while one is
 * running wait for it and then run together: one transaction, each in its own savepoint (one that
 * fails is rolled back alone and rejects alone), one commit. A transaction that arrives when
 * nothing is running runs at once, so a lone request waits for nothing. Each caller still hears
 * back only after the commit that made its writes durable.
 *
 * Jobs that say how to run `together` (message and event appends) go further: a run of them is
 * one savepoint and a fixed number of statements, not a savepoint and eight statements each. On
 * PostgreSQL every statement is a round trip that waits for this process's event loop, busy with
 * the other requests; at 100 connections that wait, not the database, set the pace (75
 * requests/s, the database idle, waiting on the client, 0.9 of the time; docs/PERFORMANCE.md).
 * Should a run fail unexpectedly, it is rolled back and its jobs run one at a time as above.
 */
export class GroupCommit {
  private queue: Job[] = [];
  private running = false;

  /** Commits so far (`commit`), for the metrics and the tests. */
  commits = 0;

  constructor(
    private readonly store: Store,
    private readonly max = 200,
    private readonly maxItems = 4000,
  ) {}

  run<T, I = never>(fn: (trx: Tx) => Promise<T>, together?: Together<I, T>, weight = 1): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        fn,
        weight,
        together: together as Together<unknown, unknown> | undefined,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      if (!this.running) void this.drain();
    });
  }

  private async drain() {
    this.running = true;
    try {
      while (this.queue.length) {
        // As many as arrived, up to `max` jobs and `maxItems` items (a batch of 1,000 weighs
        // 1,000), so one commit never holds back its first caller for long; at least one.
        let n = 1;
        let items = this.queue[0].weight;
        while (n < this.queue.length && n < this.max && items + this.queue[n].weight <= this.maxItems)
          items += this.queue[n++].weight;
        const jobs = this.queue.splice(0, n);
        await this.commit(jobs);
        // Let requests that arrived during the commit (it blocks the event loop) queue up, so the
        // next round takes them together.
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
    }
  }

  private async commit(jobs: Job[]) {
    let outcomes: Array<Outcome<unknown>> = [];
    try {
      await retryTransaction(this.store, async () => {
        outcomes = [];
        const trx = await this.store.db.startTransaction().execute();
        try {
          if (jobs.length === 1) outcomes.push({ ok: true, value: await jobs[0].fn(trx) });
          else
            for (let i = 0; i < jobs.length; ) {
              const key = jobs[i].together?.key;
              let end = i + 1;
              while (key !== undefined && end < jobs.length && jobs[end].together?.key === key) end++;
              if (end - i > 1) outcomes.push(...(await this.together(trx, jobs.slice(i, end))));
              else outcomes.push(await this.alone(trx, jobs[i]));
              i = end;
            }
          await trx.commit().execute();
          this.commits++;
        } catch (err) {
          await trx.rollback().execute();
          throw err;
        }
      });
    } catch (err) {
      // A lone job's own failure, or the commit failed: nothing of any job was kept.
      for (const job of jobs) job.reject(err);
      return;
    }
    this.store.outbox.emit('committed');
    for (const [i, job] of jobs.entries()) {
      const o = outcomes[i];
      if (o.ok) job.resolve(o.value);
      else job.reject(o.err);
    }
  }

  /** One job in its own savepoint: kept, or rolled back alone. */
  private async alone(trx: Tx, job: Job): Promise<Outcome<unknown>> {
    const sp = await trx.savepoint('job').execute();
    try {
      const value = await job.fn(sp as unknown as Tx);
      await sp.releaseSavepoint('job').execute();
      return { ok: true, value };
    } catch (err) {
      if (isRetryable(err)) throw err;
      await sp.rollbackToSavepoint('job').execute();
      return { ok: false, err };
    }
  }

  /** A run of jobs with one `together` key, in one savepoint; one at a time should it fail. */
  private async together(trx: Tx, jobs: Job[]): Promise<Array<Outcome<unknown>>> {
    const sp = await trx.savepoint('jobs').execute();
    try {
      const { run } = jobs[0].together as Together<unknown, unknown>;
      const outcomes = await run(
        sp as unknown as Tx,
        jobs.map((j) => j.together?.input),
      );
      await sp.releaseSavepoint('jobs').execute();
      return outcomes;
    } catch (err) {
      if (isRetryable(err)) throw err;
      await sp.rollbackToSavepoint('jobs').execute();
      const outcomes: Array<Outcome<unknown>> = [];
      for (const job of jobs) outcomes.push(await this.alone(trx, job));
      return outcomes;
    }
  }
}
