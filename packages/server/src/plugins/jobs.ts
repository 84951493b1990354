/**
 * The work that runs beside the requests: the idle sweep, retention, the expiry sweep, the
 * webhook worker, the background job runner (bulk actions, redaction applied again) and the alert evaluator. Each runs only when its options are given (`switchboard serve` gives all; tests that inject
 * requests give none and drive a job by hand), starts when the app is ready and stops when it
 * closes.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AlertJob, type AlertJobOptions } from '../services/alerts.js';
import { ExpirySweeper } from '../services/expiry.js';
import { IdleSweeper } from '../services/idle.js';
import { bulkHandler } from '../services/jobs/bulk.js';
import { redactionHandler } from '../services/jobs/redaction.js';
import { JobRunner, type JobRunnerOptions } from '../services/jobs/runner.js';
import { RetentionJob } from '../services/retention.js';
import { WebhookWorker, type WebhookWorkerOptions } from '../services/webhooks/worker.js';

export interface JobOptions {
  /** Seconds of silence after which an active session is ended as failed; 0 never ends one. */
  idleTimeout?: number;
  /** Seconds of silence after which a session from OTLP traces ends as completed, "inactive"; 0 never. */
  otlpSessionIdle?: number;
  /**
   * Months of sessions to keep past the current one; 0 keeps everything, and the job still keeps
   * next month's partitions ready on PostgreSQL.
   */
  retentionMonths?: number;
  /** Deletes expired dashboard sign-ins and idle rate-limit buckets (services/expiry.ts). */
  sweepExpired?: boolean;
  webhooks?: WebhookWorkerOptions;
  /**
   * Runs the background jobs (bulk actions, redaction applied again: services/jobs/); `batchSize`
   * is the most sessions per step, and a bulk action's step ends once it has taken `stepMs`
   * (50 ms unless set), so that requests waiting for the database wait no longer than that.
   */
  backgroundJobs?: JobRunnerOptions & { batchSize?: number; stepMs?: number };
  /** The alert evaluator and its Slack messages (services/alerts.ts). */
  alerts?: AlertJobOptions;
  /** Called whenever the routes queue webhook work: for tests that run a worker of their own. */
  onWebhookWork?: () => void;
}

export const jobsPlugin = fp(
  async (app: FastifyInstance, opts: JobOptions) => {
    const { idleTimeout, retentionMonths, webhooks } = opts;
    const sweeper =
      idleTimeout === undefined && opts.otlpSessionIdle === undefined
        ? undefined
        : new IdleSweeper(app.store, app.services.ingest, idleTimeout ?? 0, app.log, opts.otlpSessionIdle ?? 0);
    const retention = retentionMonths === undefined ? undefined : new RetentionJob(app.store, retentionMonths, app.log);
    const expiry = opts.sweepExpired ? new ExpirySweeper(app.store, app.log) : undefined;
    const worker = webhooks && new WebhookWorker(app.store, webhooks, app.log);
    const bg = opts.backgroundJobs;
    const { redaction } = app.services;
    const runner =
      bg &&
      new JobRunner(
        app.store,
        {
          'sessions.bulk': bulkHandler(app.store, bg.batchSize ?? 500, bg.stepMs ?? 50),
          'redaction.apply': redactionHandler(
            app.store,
            (db, orgId) => redaction.storedRedactor(orgId, db),
            bg.batchSize ?? 500,
          ),
        },
        app.log,
        bg,
      );
    app.services.review.onJob(() => runner?.wake());
    redaction.onJob(() => runner?.wake());
    const alerts = opts.alerts && new AlertJob(app.store, app.services.alerts, opts.alerts, app.log);
    // Webhook work queued by the API (a test ping, a retry, a re-enabled endpoint) is sent now
    // rather than at the worker's next poll.
    app.services.webhooks.onQueued(() => {
      worker?.wake();
      opts.onWebhookWork?.();
    });

    app.addHook('onReady', async () => {
      sweeper?.start();
      retention?.start();
      expiry?.start();
      worker?.start();
      runner?.start();
      alerts?.start();
    });
    let workerStopped: Promise<void> | undefined;
    app.addHook('preClose', async () => {
      // Webhook attempts in flight finish (or go back to the queue) while requests drain.
      workerStopped = worker?.stop();
      await Promise.all([sweeper?.stop(), retention?.stop(), expiry?.stop(), runner?.stop(), alerts?.stop()]);
    });
    app.addHook('onClose', async () => {
      await workerStopped;
    });
  },
  { name: 'jobs', dependencies: ['store', 'services'] },
);
