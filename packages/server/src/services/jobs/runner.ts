/**
 * The background job runner: takes the oldest unfinished job (one left running by a stopped
 * process first) and runs its kind's steps until it is done. A step commits its work and the
 * job's cursor together, so stopping between steps — or dying in one — loses nothing and applies
 * nothing twice. On a shared PostgreSQL one process runs jobs at a time (an advisory lock).
 */
import type { JobKind } from '@switchboard/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../../store/db.js';
import { failJob, findJobRow, type JobRow, nextJob } from '../../store/jobs.js';
import { JOBS_LOCK, withTryLock } from '../../store/locks.js';

export interface JobHandler {
  /** One batch of the job, in one transaction with the move of its cursor; true when the job is done. */
  step(job: JobRow): Promise<boolean>;
}

export interface JobRunnerOptions {
  /** How often to look for work when not woken. */
  pollMs?: number;
  /** Consecutive failed steps after which a job is marked failed. */
  maxFailures?: number;
  /**
   * While other writes are committing in this process (ingest): after a step of T ms, wait
   * `yieldFactor` × T before the next, so a job takes at most 1 / (1 + yieldFactor) of the time.
   * Alone, a job runs its steps back to back. 0 turns it off. The default is per store
   * (`YIELD_FACTOR`).
   */
  yieldFactor?: number;
  /** Called with each pause the runner takes to give way (`yieldFactor`): for tests. */
  onPause?: (ms: number) => void;
}

/**
 * The default `yieldFactor`. SQLite has one writer: a job takes a fifth of it while ingest writes.
 * PostgreSQL's writers run side by side, but on the same CPUs; a job that ran flat out beside
 * ingest left it 79–86 % of its rate at a million sessions, and pausing a fifth as long as each
 * step (a sixth of the time) gives it back the rest (docs/PERFORMANCE.md).
 */
export const YIELD_FACTOR = { sqlite: 4, postgres: 0.2 } as const;

/** How recently another write must have committed for a job to give way (`yieldFactor`). */
export const BUSY_WITHIN_MS = 1000;

/**
 * The pause after a job's step of `stepMs` (`yieldFactor`): none when no other write committed in
 * the last BUSY_WITHIN_MS (`sinceOtherMs`), else `factor` × the step, at most a second.
 */
export function pauseAfterStep(stepMs: number, sinceOtherMs: number, factor: number): number {
  if (factor <= 0 || sinceOtherMs > BUSY_WITHIN_MS) return 0;
  return Math.min(1000, Math.round(stepMs * factor));
}

export class JobRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private again = false;
  /**
   * When another writer last committed (not this runner's own steps, nor their echo from
   * PostgreSQL's LISTEN, which arrives after the step): `yieldFactor`.
   */
  private lastOtherCommit = Number.NEGATIVE_INFINITY;
  private stepping = false;
  private readonly onCommit = (echo?: boolean) => {
    if (!this.stepping && !echo) this.lastOtherCommit = performance.now();
  };

  constructor(
    private readonly store: Store,
    private readonly handlers: Record<JobKind, JobHandler>,
    private readonly log: FastifyBaseLogger,
    private readonly opts: JobRunnerOptions = {},
  ) {}

  start() {
    this.stopping = false;
    this.store.outbox.on('committed', this.onCommit);
    this.wake();
  }

  /** Looks for work now (a job was just created). */
  wake() {
    if (this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain()
      .catch((err) => this.log.error({ err }, 'job runner failed'))
      .finally(() => {
        this.running = undefined;
        if (this.stopping) return;
        if (this.again) {
          this.again = false;
          this.wake();
        } else this.timer = setTimeout(() => this.wake(), this.opts.pollMs ?? 2000);
      });
  }

  /** Stops after the step in progress; a job left unfinished resumes on the next start. */
  async stop() {
    this.stopping = true;
    clearTimeout(this.timer);
    this.store.outbox.off('committed', this.onCommit);
    await this.running;
  }

  private async drain() {
    await withTryLock(this.store, JOBS_LOCK, async () => {
      while (!this.stopping) {
        const job = await nextJob(this.store.db);
        if (!job) return;
        await this.run(job);
      }
    });
  }

  private async run(first: JobRow) {
    const handler = this.handlers[first.kind];
    let failures = 0;
    let job: JobRow | undefined = first;
    while (job && !this.stopping && (job.status === 'queued' || job.status === 'running')) {
      const began = performance.now();
      try {
        if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
        this.stepping = true;
        let done: boolean;
        try {
          done = await handler.step(job);
        } finally {
          this.stepping = false;
        }
        if (done) return;
        failures = 0;
        // Give way to ingest while it is writing (`yieldFactor`).
        const ended = performance.now();
        const factor = this.opts.yieldFactor ?? YIELD_FACTOR[this.store.dialect];
        const pause = pauseAfterStep(ended - began, ended - this.lastOtherCommit, factor);
        if (pause > 0) {
          this.opts.onPause?.(pause);
          await new Promise((r) => setTimeout(r, pause));
        }
      } catch (err) {
        failures++;
        this.log.error({ err, jobId: job.id }, 'job step failed');
        if (!handler || failures >= (this.opts.maxFailures ?? 5)) {
          await failJob(
            this.store.db,
            job.id,
            'The job stopped after repeated errors; see the server log.',
            Date.now(),
          );
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * failures));
      }
      // Let what waits for the database go first. On SQLite every request shares one connection,
      // and Kysely's lock is no queue: woken waiters retry in microtasks, and this loop, running
      // on, took the connection back before any of them — ingest and reads waited for the whole
      // job (docs/PERFORMANCE.md: no ingest batch finished during a bulk tag of 100,000
      // sessions). After a turn of the event loop a waiting request has it first.
      await new Promise((r) => setImmediate(r));
      job = await findJobRow(this.store.db, job.id);
    }
  }
}
