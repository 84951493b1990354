/**
 * `POST /ingest` (docs/API.md): up to 1,000 items, each applied or refused on its own, in order.
 * The whole batch is one transaction (one durable commit, which is what makes batching fast).
 *
 * Its cost follows the data, not the order of the items in the batch:
 * - Every item is validated first; a refused item gets its 400 and takes no further part.
 * - The `message` (or `event`) items of one session form one unit, however the batch interleaves
 *   sessions (an SDK's buffer holds many open conversations and sends them a message at a time).
 *   A unit gathers its session's items until an item that creates or updates that session, which
 *   must see them applied before it and starts a new unit after it.
 * - Units of different sessions touch different rows and commute; a session's own units keep
 *   their order. So the units run in layers (the first unit of every session, then the second…),
 *   and within a layer all creates are written together, all message appends together and all
 *   event appends together, each in a fixed number of statements however many sessions they
 *   cover (IngestService's `createSessionsIn` and `appendMany…In`). What a group expects to fail
 *   (an unknown session, a conflicting create) fails for its own items only, without undoing the
 *   others. Updates (status changes, metadata) are written together the same way.
 * - Each group runs in a savepoint. Should one fail unexpectedly, it is rolled back and its units
 *   run again one at a time, each in its own savepoint, so one bad unit cannot take the others
 *   with it — every item is still applied or refused on its own.
 * - The outbox entries of the whole batch are written at the end, in the order of the items that
 *   caused them (each session's own entries keep their order).
 */
import {
  BATCH_BODY_SCHEMAS,
  type BatchItemType,
  type CreateSessionBody,
  type EventInput,
  type IngestBatchResult,
  type MessageInput,
  type SessionSource,
  type UpdateSessionBody,
} from '@switchboard/contracts';
import { bodyAjv, fieldErrors } from '../lib/ajv.js';
import { ApiError, badRequest } from '../lib/errors.js';
import { problemOf } from '../lib/problem.js';
import type { Db, Store } from '../store/db.js';
import { type OutboxEntry, writeOutbox } from '../store/outbox.js';
import { ensureMonths } from '../store/partitions.js';
import { countStartedSessions } from '../store/sessions/agents.js';
import {
  type AppendOutcome,
  type CreateOutcome,
  forkSessionState,
  type IngestService,
  newSessionState,
  type SessionState,
  type SourcedCreateBody,
  startOf,
  writeSessionState,
} from './ingest.js';
import { isRetryable, retryTransaction, type Tx } from './transactions.js';

const validators = Object.fromEntries(
  Object.entries(BATCH_BODY_SCHEMAS).map(([type, schema]) => [type, bodyAjv.compile(schema)]),
) as Record<BatchItemType, ReturnType<typeof bodyAjv.compile>>;

type Result = IngestBatchResult['results'][number];

/** One unit of work: an item that creates or updates a session, or one session's gathered items. */
type Unit =
  | {
      kind: 'create';
      index: number;
      body: SourcedCreateBody;
      /** Its start time: the month's partition is made before the transaction. */
      startedAt: number;
    }
  | { kind: 'update'; index: number; sessionId: string; body: UpdateSessionBody }
  | { kind: 'messages'; indexes: number[]; sessionId: string; items: MessageInput[] }
  | { kind: 'events'; indexes: number[]; sessionId: string; items: EventInput[] };

const indexesOf = (u: Unit) => (u.kind === 'create' || u.kind === 'update' ? [u.index] : u.indexes);
/** The session a unit belongs to; a create without an id makes a session nothing else in the batch names. */
const sessionOf = (u: Unit) => (u.kind === 'create' ? u.body.id : u.sessionId);

/** What one unit did: its items' results and the outbox entries it caused. */
interface Done {
  results: Result[];
  outbox: OutboxEntry[];
}

export class BatchService {
  constructor(
    private readonly store: Store,
    private readonly ingest: IngestService,
    private readonly onUnexpected: (err: unknown) => void,
  ) {}

  /** Checks one item as its single-item route would; returns the unit that applies it. */
  private prepare(
    type: BatchItemType,
    body: Record<string, unknown>,
    index: number,
    now: number,
    source?: SessionSource,
  ): Unit {
    const base = `/batch/${index}/body`;
    const validate = validators[type];
    if (!validate(body)) throw badRequest(fieldErrors(validate.errors, 'body', base));
    const ingest = this.ingest;
    switch (type) {
      case 'session': {
        const b = body as CreateSessionBody;
        ingest.validateCreate(b, base);
        return { kind: 'create', index, body: source ? { ...b, source } : b, startedAt: startOf(b, now) };
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
        return { kind: 'update', index, sessionId: id, body: u };
      }
    }
  }

  /** Validates every item and gathers the valid ones into units; the refused get their results. */
  private plan(
    batch: Array<{ type: BatchItemType; body: Record<string, unknown> }>,
    now: number,
    source?: SessionSource,
  ) {
    const refused: Result[] = [];
    const units: Unit[] = [];
    /** The unit still gathering each session's messages or events, by kind and session id. */
    const open = new Map<string, Extract<Unit, { kind: 'messages' | 'events' }>>();
    for (const [index, item] of batch.entries()) {
      let unit: Unit;
      try {
        unit = this.prepare(item.type, item.body, index, now, source);
      } catch (err) {
        refused.push({ index, status: (err as ApiError).status ?? 500, error: problemOf(err) });
        continue;
      }
      if (unit.kind === 'create' || unit.kind === 'update') {
        // A create or update of a session closes its open units: later items start new ones.
        const id = sessionOf(unit);
        if (id !== undefined) {
          open.delete(`messages\u0000${id}`);
          open.delete(`events\u0000${id}`);
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
    // Layer n holds every session's n-th unit: a session's units run in order, layer after layer.
    const layers: Unit[][] = [];
    const depth = new Map<string, number>();
    for (const unit of units) {
      const id = sessionOf(unit);
      const d = id === undefined ? 0 : (depth.get(id) ?? 0);
      if (id !== undefined) depth.set(id, d + 1);
      if (layers[d]) layers[d].push(unit);
      else layers[d] = [unit];
    }
    return { refused, layers };
  }

  /**
   * Applies a batch. `source` marks the sessions it creates (the OTLP route and the integrations
   * translate their payloads into a batch; the API's batches create `api` sessions).
   */
  async run(
    orgId: string,
    batch: Array<{ type: BatchItemType; body: Record<string, unknown> }>,
    now = Date.now(),
    source?: SessionSource,
  ) {
    const { refused, layers } = this.plan(batch, now, source);
    // Every month the batch starts sessions in, before its transaction: one round of DDL for a
    // batch of historical sessions instead of one aborted run per month.
    await ensureMonths(
      this.store,
      layers.flat().flatMap((u) => (u.kind === 'create' ? [u.startedAt] : [])),
    );
    /** The whole batch in `trx`, from scratch each time it runs (a retried transaction runs it again). */
    const apply = async (trx: Tx): Promise<Result[]> => {
      // A retried attempt starts again from the items refused before the transaction began.
      const results: Result[] = [...refused];
      // Every applied unit's outbox entries with the index of its first item.
      const outbox: Array<{ at: number; entries: OutboxEntry[] }> = [];
      // The sessions the batch holds and their unwritten row changes, step to step (SessionState).
      const state = { current: newSessionState() };
      const record = (unit: Unit, done: Done) => {
        results.push(...done.results);
        outbox.push({ at: indexesOf(unit)[0], entries: done.outbox });
      };
      for (const layer of layers) {
        const creates = layer.filter((u) => u.kind === 'create');
        const messages = layer.filter((u) => u.kind === 'messages');
        const events = layer.filter((u) => u.kind === 'events');
        if (creates.length)
          await this.group(trx, orgId, creates, now, record, state, (db, s) =>
            this.createAll(db, orgId, creates, now, s),
          );
        if (messages.length)
          await this.group(trx, orgId, messages, now, record, state, async (db, s) =>
            doneOfAppends(messages, await this.ingest.appendManyMessagesIn(db, orgId, messages, now, true, s)),
          );
        if (events.length)
          await this.group(trx, orgId, events, now, record, state, async (db, s) =>
            doneOfAppends(events, await this.ingest.appendManyEventsIn(db, orgId, events, now, true, s)),
          );
        const updates = layer.filter((u) => u.kind === 'update');
        if (updates.length)
          await this.group(trx, orgId, updates, now, record, state, async (db, s) =>
            (await this.ingest.updateSessionsIn(db, orgId, updates, now, s)).map((o, i): Done => {
              const index = updates[i].index;
              if ('error' in o)
                return { results: [{ index, status: o.error.status, error: problemOf(o.error) }], outbox: [] };
              return { results: [{ index, status: 200, id: o.session.id }], outbox: o.outbox };
            }),
          );
      }
      // Each session's row changes, written once.
      await writeSessionState(trx, this.store, state.current);
      const entries = outbox.sort((a, b) => a.at - b.at).flatMap((o) => o.entries);
      await writeOutbox(trx, this.store.dialect, orgId, entries);
      await countStartedSessions(trx, this.store.dialect, orgId, entries);
      return results;
    };
    let results: Result[];
    if (this.store.dialect === 'sqlite') {
      // SQLite writes one transaction at a time on its one connection, and each commit waits for
      // the disk: batches that arrive while another runs share its successor's commit, each in a
      // savepoint of its own (services/transactions.ts, GroupCommit), one fsync for several.
      results = await this.ingest.together(apply, batch.length);
    } else {
      // PostgreSQL runs concurrent batches side by side, each in its own transaction.
      results = [];
      await retryTransaction(this.store, async () => {
        const trx = await this.store.db.startTransaction().execute();
        try {
          results = await apply(trx);
          await trx.commit().execute();
          this.store.outbox.emit('committed');
        } catch (err) {
          await trx.rollback().execute();
          throw err;
        }
      });
    }
    results.sort((a, b) => a.index - b.index);
    return { results };
  }

  /**
   * Runs units together in a savepoint, on a copy of the batch's session state that is adopted
   * when the savepoint is released. On an unexpected failure the savepoint is rolled back and
   * each unit runs alone, so the failure stays with the unit that causes it; the single-item path
   * reads and writes the stored rows, so the changes held so far are written first and no
   * session is held after it.
   */
  private async group(
    trx: Tx,
    orgId: string,
    units: Unit[],
    now: number,
    record: (unit: Unit, done: Done) => void,
    state: { current: SessionState },
    together: (db: Db, state: SessionState) => Promise<Done[]>,
  ) {
    const sp = await trx.savepoint('group').execute();
    const fork = forkSessionState(state.current);
    let done: Done[];
    try {
      done = await together(sp, fork);
      await sp.releaseSavepoint('group').execute();
    } catch (err) {
      // A deadlock (or a month without its partition) aborts the whole transaction, which is
      // then run again from the start.
      if (isRetryable(err)) throw err;
      await sp.rollbackToSavepoint('group').execute();
      // (A unit alone may also rename an agent that held rows show: none are held after this.)
      await writeSessionState(trx, this.store, state.current);
      state.current.rows.clear();
      for (const unit of units) record(unit, await this.alone(trx, orgId, unit, now));
      return;
    }
    state.current = fork;
    for (const [i, unit] of units.entries()) record(unit, done[i]);
  }

  /** One unit in its own savepoint: applied, or refused with nothing of it left behind. */
  private async alone(trx: Tx, orgId: string, unit: Unit, now: number): Promise<Done> {
    const sp = await trx.savepoint('item').execute();
    const sink: OutboxEntry[] = [];
    try {
      const results = await this.apply(sp, orgId, unit, now, sink);
      await sp.releaseSavepoint('item').execute();
      return { results, outbox: sink };
    } catch (err) {
      if (isRetryable(err)) throw err;
      await sp.rollbackToSavepoint('item').execute();
      if (!(err instanceof ApiError)) this.onUnexpected(err);
      const problem = problemOf(err);
      return {
        results: indexesOf(unit).map((index) => ({ index, status: problem.status, error: problem })),
        outbox: [],
      };
    }
  }

  private async apply(db: Db, orgId: string, unit: Unit, now: number, sink: OutboxEntry[]): Promise<Result[]> {
    switch (unit.kind) {
      case 'create': {
        const r = await this.ingest.createSessionIn(db, orgId, unit.body, now, sink);
        return [{ index: unit.index, status: r.status, id: r.session.id }];
      }
      case 'update': {
        const s = await this.ingest.updateSessionIn(db, orgId, unit.sessionId, unit.body, now, sink);
        return [{ index: unit.index, status: 200, id: s.id }];
      }
      case 'messages': {
        const r = await this.ingest.appendMessagesIn(db, orgId, unit.sessionId, unit.items, now, sink);
        return unit.indexes.map((index, i) => ({ index, status: 201, id: r.messages[i].id }));
      }
      case 'events': {
        const r = await this.ingest.appendEventsIn(db, orgId, unit.sessionId, unit.items, now, sink);
        return unit.indexes.map((index, i) => ({ index, status: 201, id: r.events[i].id }));
      }
    }
  }

  private async createAll(
    db: Db,
    orgId: string,
    units: Array<Extract<Unit, { kind: 'create' }>>,
    now: number,
    state: SessionState,
  ) {
    const outcomes: CreateOutcome[] = await this.ingest.createSessionsIn(
      db,
      orgId,
      units.map((u) => u.body),
      now,
      state,
    );
    return outcomes.map((o, i): Done => {
      const index = units[i].index;
      if ('error' in o) return { results: [{ index, status: o.error.status, error: problemOf(o.error) }], outbox: [] };
      return { results: [{ index, status: o.status, id: o.session.id }], outbox: o.outbox };
    });
  }
}

/** The results and outbox entries of appended units, from `appendMany…In`'s outcomes. */
function doneOfAppends<Api extends { id: string }>(
  units: Array<{ indexes: number[] }>,
  outcomes: Array<AppendOutcome<Api>>,
): Done[] {
  return outcomes.map((o, u) => {
    const { indexes } = units[u];
    if ('error' in o) {
      const problem = problemOf(o.error);
      return { results: indexes.map((index) => ({ index, status: problem.status, error: problem })), outbox: [] };
    }
    return {
      results: indexes.map((index, i) => {
        // An item past its session's ceiling is refused alone; the others stand.
        const refused = o.refused?.get(i);
        if (!refused) return { index, status: 201, id: o.items[i]?.id };
        const error = new ApiError(refused.status, refused.code, refused.detail, [
          { path: `/batch/${index}/body`, message: refused.errors?.[0]?.message ?? refused.detail },
        ]);
        return { index, status: error.status, error: problemOf(error) };
      }),
      outbox: o.outbox,
    };
  });
}
