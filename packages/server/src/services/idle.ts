/**
 * The idle-timeout sweep: an active session that has heard nothing for
 * SWITCHBOARD_IDLE_TIMEOUT seconds is ended as failed with endedReason "idle_timeout", so no
 * session stays "Ongoing" forever because its agent crashed.
 *
 * Sessions from OpenTelemetry traces are the exception: OTel has no "conversation over", so
 * silence is how they end. One silent for SWITCHBOARD_OTLP_SESSION_IDLE seconds ends as
 * `completed` with endedReason "inactive" (`failed` when its last span failed), never as an
 * idle-timeout failure.
 */
import type { FastifyBaseLogger } from 'fastify';
import { Periodic } from '../lib/periodic.js';
import type { Store } from '../store/db.js';
import { expireIdempotencyKeys, IDEMPOTENCY_TTL_MS } from '../store/idempotency.js';
import { IDLE_SWEEP_LOCK, withTryLock } from '../store/locks.js';
import { endsInError, idleSessions } from '../store/sessions/write.js';
import type { IngestService } from './ingest.js';

export class IdleSweeper {
  private readonly periodic: Periodic;

  constructor(
    private readonly store: Store,
    private readonly ingest: IngestService,
    private readonly timeoutSeconds: number,
    private readonly log: FastifyBaseLogger,
    /** SWITCHBOARD_OTLP_SESSION_IDLE: seconds of silence that end an OTLP session; 0 never does. */
    private readonly otlpIdleSeconds = 0,
  ) {
    this.periodic = new Periodic(() => this.sweep(), this.intervalMs, log, 'idle sweep');
  }

  /** Checked at least every min(timeout/2, 60) seconds, for the shorter of the two timeouts. */
  get intervalMs() {
    const timeouts = [this.timeoutSeconds, this.otlpIdleSeconds].filter((t) => t > 0);
    return Math.max(100, Math.min((Math.min(...timeouts, 120) * 1000) / 2, 60_000));
  }

  start() {
    if (this.timeoutSeconds > 0 || this.otlpIdleSeconds > 0) this.periodic.start();
  }

  stop() {
    return this.periodic.stop();
  }

  /**
   * Ends every session idle past the timeout; returns how many it ended. With several processes
   * on one PostgreSQL one of them sweeps at a time and the others skip the round (each ending is
   * also re-checked under its row lock, so even two sweeps could not end a session twice).
   */
  async sweep(now = Date.now()): Promise<number> {
    return (await withTryLock(this.store, IDLE_SWEEP_LOCK, () => this.sweepNow(now))) ?? 0;
  }

  private async sweepNow(now: number): Promise<number> {
    let ended = 0;
    try {
      if (this.timeoutSeconds > 0) {
        const before = now - this.timeoutSeconds * 1000;
        for (;;) {
          const idle = await idleSessions(this.store.db, before, 200, { except: 'otlp' });
          for (const s of idle) if (await this.ingest.endIdle(s.org_id, s.id, before, now)) ended++;
          if (idle.length < 200) break;
        }
      }
      if (this.otlpIdleSeconds > 0) {
        const before = now - this.otlpIdleSeconds * 1000;
        for (;;) {
          const idle = await idleSessions(this.store.db, before, 200, { only: 'otlp' });
          for (const s of idle) {
            const failed = await endsInError(this.store.db, s);
            const ending = { status: failed ? 'failed' : 'completed', endedReason: 'inactive' } as const;
            if (await this.ingest.endIdle(s.org_id, s.id, before, now, ending)) ended++;
          }
          if (idle.length < 200) break;
        }
      }
      await expireIdempotencyKeys(this.store.db, now - IDEMPOTENCY_TTL_MS);
      if (ended) this.log.info({ ended }, 'ended idle sessions');
    } catch (err) {
      this.log.error({ err }, 'idle sweep failed');
    }
    return ended;
  }
}
