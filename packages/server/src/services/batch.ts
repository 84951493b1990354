/**
 * `POST /ingest` (DESIGN §3.1): up to 1,000 items, each applied or refused on its own, in order.
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
import type { Kysely } from 'kysely';
import { bodyAjv, fieldErrors } from '../lib/ajv.js';
import { ApiError, badRequest } from '../lib/errors.js';
import { problemOf } from '../lib/problem.js';
import type { Store } from '../store/db.js';
import type { Database } from '../store/schema.js';
import type { IngestService } from './ingest.js';

const validators = Object.fromEntries(
  Object.entries(BATCH_BODY_SCHEMAS).map(([type, schema]) => [type, bodyAjv.compile(schema)]),
) as Record<BatchItemType, ReturnType<typeof bodyAjv.compile>>;

type Result = IngestBatchResult['results'][number];
type Apply = (db: Kysely<Database>) => Promise<Omit<Result, 'index'>>;

export class BatchService {
  constructor(
    private readonly store: Store,
    private readonly ingest: IngestService,
    private readonly onUnexpected: (err: unknown) => void,
  ) {}

  /** Checks one item as its single-item route would; returns how to apply it. */
  private prepare(
    orgId: string,
    type: BatchItemType,
    body: Record<string, unknown>,
    index: number,
    now: number,
  ): Apply {
    const base = `/batch/${index}/body`;
    const validate = validators[type];
    if (!validate(body)) throw badRequest(fieldErrors(validate.errors, 'body', base));
    const ingest = this.ingest;
    switch (type) {
      case 'session': {
        const b = body as CreateSessionBody;
        ingest.validateCreate(b, base);
        return async (db) => {
          const r = await ingest.createSessionIn(db, orgId, b, now);
          return { status: r.status, id: r.session.id };
        };
      }
      case 'message': {
        const { sessionId, ...m } = body as MessageInput & { sessionId: string };
        ingest.validateMessages([m], () => base);
        return async (db) => {
          const r = await ingest.appendMessagesIn(db, orgId, sessionId, [m], now);
          return { status: 201, id: r.messages[0].id };
        };
      }
      case 'event': {
        const { sessionId, ...e } = body as EventInput & { sessionId: string };
        ingest.validateEvents([e], () => base);
        return async (db) => {
          const r = await ingest.appendEventsIn(db, orgId, sessionId, [e], now);
          return { status: 201, id: r.events[0].id };
        };
      }
      case 'session.update': {
        const { id, ...u } = body as UpdateSessionBody & { id: string };
        ingest.validateUpdate(u, base);
        return async (db) => {
          const s = await ingest.updateSessionIn(db, orgId, id, u, now);
          return { status: 200, id: s.id };
        };
      }
    }
  }

  async run(orgId: string, batch: Array<{ type: BatchItemType; body: Record<string, unknown> }>, now = Date.now()) {
    const results: Result[] = [];
    const trx = await this.store.db.startTransaction().execute();
    try {
      for (const [index, item] of batch.entries()) {
        let apply: Apply;
        try {
          apply = this.prepare(orgId, item.type, item.body, index, now);
        } catch (err) {
          results.push({ index, status: (err as ApiError).status ?? 500, error: problemOf(err) });
          continue;
        }
        const sp = await trx.savepoint('item').execute();
        try {
          results.push({ index, ...(await apply(sp)) });
          await sp.releaseSavepoint('item').execute();
        } catch (err) {
          await sp.rollbackToSavepoint('item').execute();
          if (!(err instanceof ApiError)) this.onUnexpected(err);
          const problem = problemOf(err);
          results.push({ index, status: problem.status, error: problem });
        }
      }
      await trx.commit().execute();
    } catch (err) {
      await trx.rollback().execute();
      throw err;
    }
    return { results };
  }
}
