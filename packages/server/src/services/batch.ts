/**
 * `POST /ingest` (docs/API.md): up to 1,000 items, each applied or refused on its own, in order.
 * The whole batch is one transaction (one durable commit, which is what makes batching fast) and
 * each item runs inside a savepoint, so a refused item leaves nothing half-written behind.
 */
import {
  BATCH_BODY_SCHEMAS,
  type BatchItemType,
  type CreateSessionBody,
  type EventInput,
  type IngestBatchResult,
  type MessageInput,
  type UpdateSessionBody,
} from '@switchboard/contracts';
import { bodyAjv, fieldErrors } from '../lib/ajv.js';
import { ApiError, badRequest } from '../lib/errors.js';
import { problemOf } from '../lib/problem.js';
import type { Db, Store } from '../store/db.js';
import { type OutboxEntry, writeOutbox } from '../store/outbox.js';
import { countStartedSessions } from '../store/sessions/agents.js';
import { ensureMonths } from '../store/partitions.js';
import { type IngestService, startOf } from './ingest.js';
import { isRetryable, retryTransaction } from './transactions.js';

const validators = Object.fromEntries(
  Object.entries(BATCH_BODY_SCHEMAS).map(([type, schema]) => [type, bodyAjv.compile(schema)]),
) as Record<BatchItemType, ReturnType<typeof bodyAjv.compile>>;

type Result = IngestBatchResult['results'][number];
type Outcome = Omit<Result, 'index'>;

/**
 * One unit of work inside the batch transaction. The `message` (or `event`) items of one session
 * become one unit, applied with one multi-row append: an agent that reports a conversation as
 * 1,000 message items pays for one session lookup, not 1,000. That holds whether the items come
 * session by session or interleaved, as an SDK's buffer sends them (many open sessions, one
 * message at a time): items of different sessions touch different rows and commute, so a unit
 * gathers its session's items until an item that creates or updates that session, which must
 * see them applied before it (and starts a new unit after it). A unit runs at the place of its
 * first item. It can only fail as a whole (its items were validated one by one beforehand; what
 * is left to fail is the session lookup), so every item of it gets the same result.
 */
type Unit =
  | {
      kind: 'one';
      index: number;
      apply: (db: Db, sink: OutboxEntry[]) => Promise<Outcome>;
      /** A session create's start time: its month's partition is made before the transaction. */
      startedAt?: number;
      /** The session it creates (when the id is given) or updates. */
      sessionId?: string;
    }
  | { kind: 'messages'; indexes: number[]; sessionId: string; items: MessageInput[] }
  | { kind: 'events'; indexes: number[]; sessionId: string; items: EventInput[] };

export class BatchService {
  constructor(
    private readonly store: Store,
    private readonly ingest: IngestService,
    private readonly onUnexpected: (err: unknown) => void,
  ) {}

  /** Checks one item as its single-item route would; returns the unit that applies it. */
  private prepare(orgId: string, type: BatchItemType, body: Record<string, unknown>, index: number, now: number): Unit {
    const base = `/batch/${index}/body`;
    const validate = validators[type];
    if (!validate(body)) throw badRequest(fieldErrors(validate.errors, 'body', base));
    const ingest = this.ingest;
    switch (type) {
      case 'session': {
        const b = body as CreateSessionBody;
        ingest.validateCreate(b, base);
        return {
          kind: 'one',
          index,
          sessionId: b.id,
          startedAt: startOf(b, now),
          apply: async (db, sink) => {
            const r = await ingest.createSessionIn(db, orgId, b, now, sink);
            return { status: r.status, id: r.session.id };
          },
        };
      }
      case 'message': {
        const { sessionId, ...m } = body as MessageInput & { sessionId: string };
        ingest.validateMessages([m], () => base);
        return { kind: 'messages', indexes: [index], sessionId, items: [m] };
      }
      case 'event': {
        const { sessionId, ...e } = body as EventInput & { sessionId: string };
        ingest.validateEvents([e], () => base);
        return { kind: 'events', indexes: [index], sessionId, items: [e] };
      }
      case 'session.update': {
        const { id, ...u } = body as UpdateSessionBody & { id: string };
        ingest.validateUpdate(u, base);
        return {
          kind: 'one',
          index,
          sessionId: id,
          apply: async (db, sink) => {
            const s = await ingest.updateSessionIn(db, orgId, id, u, now, sink);
            return { status: 200, id: s.id };
          },
        };
      }
    }
  }

  private async apply(db: Db, orgId: string, unit: Unit, now: number, sink: OutboxEntry[]): Promise<Result[]> {
    if (unit.kind === 'one') return [{ index: unit.index, ...(await unit.apply(db, sink)) }];
    if (unit.kind === 'messages') {
      const r = await this.ingest.appendMessagesIn(db, orgId, unit.sessionId, unit.items, now, sink);
      return unit.indexes.map((index, i) => ({ index, status: 201, id: r.messages[i].id }));
    }
    const r = await this.ingest.appendEventsIn(db, orgId, unit.sessionId, unit.items, now, sink);
    return unit.indexes.map((index, i) => ({ index, status: 201, id: r.events[i].id }));
  }

  async run(orgId: string, batch: Array<{ type: BatchItemType; body: Record<string, unknown> }>, now = Date.now()) {
    const results: Result[] = [];
    const units: Unit[] = [];
    /** The unit still gathering each session's messages or events, by kind and session id. */
    const open = new Map<string, Extract<Unit, { kind: 'messages' | 'events' }>>();
    for (const [index, item] of batch.entries()) {
      let unit: Unit;
      try {
        unit = this.prepare(orgId, item.type, item.body, index, now);
      } catch (err) {
        results.push({ index, status: (err as ApiError).status ?? 500, error: problemOf(err) });
        continue;
      }
      if (unit.kind === 'one') {
        // A create or update of a session closes its open units: later items start new ones.
        if (unit.sessionId !== undefined) {
          open.delete(`messages\u0000${unit.sessionId}`);
          open.delete(`events\u0000${unit.sessionId}`);
        }
        units.push(unit);
        continue;
      }
      const key = `${unit.kind}\u0000${unit.sessionId}`;
      const gathering = open.get(key);
      if (gathering) {
        gathering.indexes.push(index);
        (gathering.items as unknown[]).push(unit.items[0]);
      } else {
        open.set(key, unit);
        units.push(unit);
      }
    }

    // Every month the batch starts sessions in, before its transaction: one round of DDL for a
    // batch of historical sessions instead of one aborted run per month.
    await ensureMonths(
      this.store,
      units.flatMap((u) => (u.kind === 'one' && u.startedAt !== undefined ? [u.startedAt] : [])),
    );
    const refused = results.length;
    await retryTransaction(this.store, async () => {
      // A retried attempt starts again from the items refused before the transaction began.
      results.length = refused;
      const trx = await this.store.db.startTransaction().execute();
      // Every applied item's outbox entries, in item order, written with one statement at the end.
      const outbox: OutboxEntry[] = [];
      try {
        for (const unit of units) {
          const sp = await trx.savepoint('item').execute();
          const sink: OutboxEntry[] = [];
          try {
            results.push(...(await this.apply(sp, orgId, unit, now, sink)));
            await sp.releaseSavepoint('item').execute();
            for (const e of sink) outbox.push(e);
          } catch (err) {
            // A deadlock (or a month without its partition) aborts the whole transaction, which
            // is then run again from the start.
            if (isRetryable(err)) throw err;
            await sp.rollbackToSavepoint('item').execute();
            if (!(err instanceof ApiError)) this.onUnexpected(err);
            const problem = problemOf(err);
            const indexes = unit.kind === 'one' ? [unit.index] : unit.indexes;
            for (const index of indexes) results.push({ index, status: problem.status, error: problem });
          }
        }
        await writeOutbox(trx, this.store.dialect, orgId, outbox);
        await countStartedSessions(trx, orgId, outbox);
        await trx.commit().execute();
        this.store.outbox.emit('committed');
      } catch (err) {
        await trx.rollback().execute();
        throw err;
      }
    });
    results.sort((a, b) => a.index - b.index);
    return { results };
  }
}
