/**
 * The webhook worker (docs/WEBHOOKS.md): a dispatcher that fans outbox rows out into deliveries, and
 * a sender that leases due deliveries and POSTs them, signed by the Standard Webhooks rules.
 *
 * - At least once: a delivery is leased (claimed_until) before its attempt and the outcome is
 *   written only by the lease holder. A process that dies mid-send leaves a lease that runs out,
 *   and the delivery goes out again with the same `webhook-id`.
 * - Woken by the store's `committed` event, by the routes that queue work, by a timer set for the
 *   next due retry, and by a one-second poll that catches what other processes wrote.
 * - `stop()` lets attempts in flight finish for a bounded time, then aborts them and hands their
 *   leases back so the next start sends them at once.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { openSecret, openSecretIfPossible } from '../../lib/secret-box.js';
import type { Store } from '../../store/db.js';
import type { WebhookDeliveryRow, WebhookRow } from '../../store/schema.js';
import {
  claimDueDeliveries,
  disableWebhook,
  finishAttempt,
  nextDueAt,
  noteEndpointOutcome,
  releaseClaims,
  webhooksByIds,
} from '../../store/webhooks.js';
import { fanOut } from './dispatcher.js';
import { postWebhook, type SendResult } from './http.js';
import { signatureHeader } from './signature.js';

export interface WebhookWorkerOptions {
  /** Seconds to wait before each retry; after the last one the delivery is `failed`. */
  retrySchedule: number[];
  /** Seconds an endpoint has to answer. */
  timeoutSeconds: number;
  allowPrivate: boolean;
  /** Attempts in flight at once, per process. */
  concurrency?: number;
  pollMs?: number;
  /** An endpoint whose every attempt has failed for this long is disabled. */
  disableAfterMs?: number;
  /** How long `stop()` waits for attempts in flight before aborting them. */
  stopTimeoutMs?: number;
  userAgent?: string;
}

const FIVE_DAYS_MS = 5 * 86_400_000;
const MAX_RETRY_AFTER_MS = 86_400_000;

/** `Retry-After` as milliseconds from now: delay-seconds or an HTTP date; null when unusable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

interface InFlight {
  done: Promise<void>;
  abort: AbortController;
}

export class WebhookWorker {
  private readonly token = randomUUID();
  private readonly opts: Required<WebhookWorkerOptions>;
  private readonly inFlight = new Map<string, InFlight>();
  private running = false;
  private stopping = false;
  private poll: NodeJS.Timeout | undefined;
  private dueTimer: NodeJS.Timeout | undefined;
  private dispatching: Promise<void> | undefined;
  private dispatchAgain = false;
  private sending: Promise<void> | undefined;
  private sendAgain = false;
  private readonly onCommitted = () => this.dispatch();

  constructor(
    private readonly store: Store,
    opts: WebhookWorkerOptions,
    private readonly log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>,
  ) {
    this.opts = {
      concurrency: 8,
      pollMs: 1000,
      disableAfterMs: FIVE_DAYS_MS,
      stopTimeoutMs: 5000,
      userAgent: 'Switchboard-Webhooks/1.0',
      ...opts,
    };
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.store.outbox.on('committed', this.onCommitted);
    // Other processes' commits wake this one too (PostgreSQL LISTEN; the poll is the safety net).
    void this.store.listen();
    this.poll = setInterval(() => {
      this.dispatch();
      this.send();
    }, this.opts.pollMs);
    this.poll.unref();
    this.dispatch();
    this.send();
  }

  /** Something was queued (a test ping, a manual retry): look for due deliveries now. */
  wake() {
    if (this.running && !this.stopping) this.send();
  }

  async stop() {
    if (!this.running) return;
    this.stopping = true;
    this.store.outbox.off('committed', this.onCommitted);
    clearInterval(this.poll);
    clearTimeout(this.dueTimer);
    await this.dispatching;
    await this.sending;
    if (this.inFlight.size) {
      const all = Promise.all([...this.inFlight.values()].map((f) => f.done));
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([
        all.then(() => false),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(true), this.opts.stopTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (late) {
        const ids = [...this.inFlight.keys()];
        for (const f of this.inFlight.values()) f.abort.abort();
        await all;
        await releaseClaims(this.store.db, this.token, ids).catch((err) =>
          this.log.error({ err }, 'could not return webhook deliveries to the queue (their leases will expire)'),
        );
        this.log.warn({ deliveries: ids.length }, 'webhook attempts aborted by shutdown; returned to the queue');
      }
    }
    this.running = false;
  }

  // ─── Fan-out ─────────────────────────────────────────────────────────────────────────────

  private dispatch() {
    if (!this.running || this.stopping) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = (async () => {
      try {
        do {
          this.dispatchAgain = false;
          for (;;) {
            const r = await fanOut(this.store);
            if (r.deliveries) this.send();
            if (r.rows < 500 || this.stopping) break;
          }
        } while (this.dispatchAgain && !this.stopping);
      } catch (err) {
        this.log.error({ err }, 'webhook fan-out failed; retrying on the next poll');
      } finally {
        this.dispatching = undefined;
      }
    })();
  }

  // ─── Sending ─────────────────────────────────────────────────────────────────────────────

  private send() {
    if (!this.running || this.stopping) return;
    if (this.sending) {
      this.sendAgain = true;
      return;
    }
    this.sending = (async () => {
      try {
        do {
          this.sendAgain = false;
          await this.claimAndStart();
        } while (this.sendAgain && !this.stopping);
        await this.scheduleNextDue();
      } catch (err) {
        this.log.error({ err }, 'webhook sender failed; retrying on the next poll');
      } finally {
        this.sending = undefined;
      }
    })();
  }

  private async claimAndStart() {
    const room = this.opts.concurrency - this.inFlight.size;
    if (room <= 0) return;
    const now = Date.now();
    const claimed = await claimDueDeliveries(this.store.db, this.store.dialect, {
      now,
      limit: room,
      // Long enough for the whole attempt and writing its outcome; only a dead process outlives it.
      leaseUntil: now + this.opts.timeoutSeconds * 1000 + 30_000,
      token: this.token,
    });
    if (claimed.length === 0) return;
    const hooks = new Map(
      (await webhooksByIds(this.store.db, [...new Set(claimed.map((d) => d.webhook_id))])).map((h) => [h.id, h]),
    );
    for (const d of claimed) {
      const hook = hooks.get(d.webhook_id);
      if (!hook) continue;
      const abort = new AbortController();
      const done = this.attempt(d, hook, abort.signal)
        .catch((err) => this.log.error({ err, delivery: d.id }, 'webhook attempt failed to record'))
        .finally(() => {
          this.inFlight.delete(d.id);
          this.send();
        });
      this.inFlight.set(d.id, { done, abort });
    }
    // Room may remain and more may be due.
    if (claimed.length === room) this.sendAgain = true;
  }

  /** Sleeps until the next retry is due, when that comes before the next poll. */
  private async scheduleNextDue() {
    const at = await nextDueAt(this.store.db);
    clearTimeout(this.dueTimer);
    if (at === null || this.stopping) return;
    const wait = at - Date.now();
    if (wait >= this.opts.pollMs) return;
    this.dueTimer = setTimeout(() => this.send(), Math.max(0, wait) + 5);
    this.dueTimer.unref();
  }

  private async attempt(d: WebhookDeliveryRow, hook: WebhookRow, signal: AbortSignal) {
    const attempt = d.attempts + 1;
    const startedAt = Date.now();
    const timestamp = Math.floor(startedAt / 1000);
    // Stored encrypted (secret-key.ts): opened here, for this attempt only.
    const secrets = [openSecret(hook.secret)];
    // During a rotation's grace period both secrets sign, so a receiver on either verifies. A
    // rotated-out secret sealed with a key since lost is left out: rotating is how an operator
    // recovers from losing the key, and the new secret alone must deliver at once.
    const previous =
      hook.previous_secret && (hook.previous_secret_expires_at ?? 0) > startedAt
        ? openSecretIfPossible(hook.previous_secret)
        : null;
    if (previous) secrets.push(previous);
    const result = await postWebhook({
      url: hook.url,
      body: d.payload,
      timeoutMs: this.opts.timeoutSeconds * 1000,
      allowPrivate: this.opts.allowPrivate,
      signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': this.opts.userAgent,
        'webhook-id': d.event_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(secrets, d.event_id, timestamp, d.payload),
      },
    });
    // Aborted by stop(): not an attempt the endpoint failed; stop() gives the lease back.
    if (signal.aborted) return;
    await this.record(d, hook, attempt, startedAt, result);
  }

  private async record(d: WebhookDeliveryRow, hook: WebhookRow, attempt: number, at: number, r: SendResult) {
    const now = Date.now();
    const ok = r.status !== null && r.status >= 200 && r.status < 300;
    const gone = r.status === 410;
    const error = ok ? null : (r.error ?? `HTTP ${r.status}`);
    let status: WebhookDeliveryRow['status'] = ok ? 'succeeded' : 'failed';
    let next: number | null = null;
    const retry = attempt - d.round_start;
    if (!ok && !gone && retry <= this.opts.retrySchedule.length) {
      const jitter = 0.9 + Math.random() * 0.2;
      let delay = this.opts.retrySchedule[retry - 1] * 1000 * jitter;
      if (r.status === 429 || r.status === 503) delay = retryAfterMs(r.retryAfter, now) ?? delay;
      status = 'pending';
      next = now + Math.round(delay);
    }
    await this.store.db.transaction().execute(async (trx) => {
      const mine = await finishAttempt(
        trx,
        d.id,
        this.token,
        {
          status,
          attempts: attempt,
          next_attempt_at: next,
          last_response_status: r.status,
          last_error: error,
          updated_at: now,
        },
        { delivery_id: d.id, attempt, at, response_status: r.status, latency_ms: r.latencyMs, error },
      );
      if (!mine) return;
      if (gone) {
        await disableWebhook(trx, hook.id, 'The endpoint answered 410 Gone.', now);
        this.log.warn({ webhook: hook.id }, 'webhook disabled: endpoint answered 410 Gone');
        return;
      }
      const failingSince = await noteEndpointOutcome(trx, hook.id, ok, now);
      if (failingSince !== null && now - failingSince >= this.opts.disableAfterMs) {
        const span = this.opts.disableAfterMs;
        const shown = span >= 86_400_000 ? `${Math.round(span / 86_400_000)} days` : `${Math.round(span / 1000)} s`;
        await disableWebhook(trx, hook.id, `Every delivery attempt failed for ${shown}.`, now);
        this.log.warn({ webhook: hook.id }, 'webhook disabled: every attempt failed for too long');
      }
    });
  }
}
