/**
 * Every query on webhooks, their deliveries, attempts and the dispatcher's cursor. Rows become
 * API objects only in `webhookRowToApi` and `deliveryRowToApi` at the bottom.
 */
import type {
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryStatus,
  Webhook,
  WebhookFilters,
} from '@switchboard/contracts';
import { type Kysely, sql, type Updateable } from 'kysely';
import { uuidv7 } from '../lib/ids.js';
import { iso, isoOrNull } from '../lib/time.js';
import type { DialectName } from './db.js';
import type {
  Database,
  WebhookAttemptRow,
  WebhookDeliveriesTable,
  WebhookDeliveryRow,
  WebhookRow,
  WebhooksTable,
} from './schema.js';
import { sessionsWithAgent, type SessionWithAgent } from './sessions/rows.js';

type Db = Kysely<Database>;

// ─── Subscriptions ───────────────────────────────────────────────────────────────────────────

export async function insertWebhook(db: Db, row: WebhookRow) {
  await db.insertInto('webhooks').values(row).execute();
}

export async function listWebhooks(db: Db, orgId: string) {
  return db.selectFrom('webhooks').selectAll().where('org_id', '=', orgId).orderBy('created_at', 'desc').execute();
}

export async function findWebhook(db: Db, orgId: string, id: string) {
  return db.selectFrom('webhooks').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** Changes a webhook of this organization; undefined when there is none. */
export async function updateWebhook(db: Db, orgId: string, id: string, patch: Updateable<WebhooksTable>) {
  return db
    .updateTable('webhooks')
    .set(patch)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes a webhook with its deliveries and their attempts (foreign keys cascade). */
export async function deleteWebhook(db: Db, orgId: string, id: string) {
  const res = await db.deleteFrom('webhooks').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** The newest outbox sequence number: a new webhook hears only what comes after it. */
export async function currentOutboxSeq(db: Db): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

export async function enabledWebhooksOf(db: Db, orgIds: string[]) {
  if (orgIds.length === 0) return [];
  return db.selectFrom('webhooks').selectAll().where('org_id', 'in', orgIds).where('enabled', '=', 1).execute();
}

export async function anyEnabledWebhook(db: Db): Promise<boolean> {
  const row = await db.selectFrom('webhooks').select('id').where('enabled', '=', 1).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Where the enabled endpoint that starts earliest starts hearing (its after_seq); null: none enabled. */
export async function oldestEnabledWebhookSeq(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom('webhooks')
    .select((eb) => eb.fn.min('after_seq').as('seq'))
    .where('enabled', '=', 1)
    .executeTakeFirst();
  return row?.seq === null || row?.seq === undefined ? null : Number(row.seq);
}

export async function disableWebhook(db: Db, id: string, reason: string, now: number) {
  await db
    .updateTable('webhooks')
    .set({ enabled: 0, disabled_reason: reason, updated_at: now })
    .where('id', '=', id)
    .where('enabled', '=', 1)
    .execute();
}

/**
 * Records the outcome of an attempt on the endpoint's failure run: any success ends it; a failure
 * starts it if none is running. Returns when the run started (null after a success).
 */
export async function noteEndpointOutcome(db: Db, id: string, ok: boolean, now: number): Promise<number | null> {
  if (ok) {
    await db
      .updateTable('webhooks')
      .set({ first_failure_at: null })
      .where('id', '=', id)
      .where('first_failure_at', 'is not', null)
      .execute();
    return null;
  }
  await db
    .updateTable('webhooks')
    .set({ first_failure_at: now })
    .where('id', '=', id)
    .where('first_failure_at', 'is', null)
    .execute();
  const row = await db.selectFrom('webhooks').select('first_failure_at').where('id', '=', id).executeTakeFirst();
  return row?.first_failure_at === undefined || row.first_failure_at === null ? null : Number(row.first_failure_at);
}

/** Every webhook's stored secrets (current and rotated-out), for sealing and checking them at start. */
export async function storedSecrets(db: Db) {
  return db.selectFrom('webhooks').select(['id', 'secret', 'previous_secret']).execute();
}

/**
 * Replaces a stored secret only if it is still `from`: processes sealing the same plaintext at
 * once (several starting together) cannot seal it twice.
 */
export async function replaceStoredSecret(
  db: Db,
  id: string,
  column: 'secret' | 'previous_secret',
  from: string,
  to: string,
) {
  await db
    .updateTable('webhooks')
    .set({ [column]: to })
    .where('id', '=', id)
    .where(column, '=', from)
    .execute();
}

// ─── Fan-out (the dispatcher) ────────────────────────────────────────────────────────────────

/**
 * Reads the cursor inside the dispatcher's transaction. On PostgreSQL the row lock makes several
 * processes' dispatchers take turns, so each outbox row is fanned out by exactly one of them.
 */
export async function lockCursor(db: Db, dialect: DialectName): Promise<number> {
  const row = await db
    .selectFrom('webhook_cursor')
    .select('last_seq')
    .where('id', '=', 1)
    .$if(dialect === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  if (row) return Number(row.last_seq);
  // Only reachable if someone deleted the row; start from now rather than replaying history.
  const seq = await currentOutboxSeq(db);
  await db
    .insertInto('webhook_cursor')
    .values({ id: 1, last_seq: seq })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return seq;
}

export async function setCursor(db: Db, seq: number) {
  await db.updateTable('webhook_cursor').set({ last_seq: seq }).where('id', '=', 1).execute();
}

/** Outbox rows of every organization after `afterSeq`, in sequence (= commit) order. */
export async function outboxAfter(db: Db, afterSeq: number, limit: number) {
  return db.selectFrom('outbox').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
}

/** Sessions by (organization, id), for judging filters of message and event deliveries. */
export async function sessionsByIds(db: Db, orgId: string, ids: string[]): Promise<SessionWithAgent[]> {
  if (ids.length === 0) return [];
  return sessionsWithAgent(db).where('s.org_id', '=', orgId).where('s.id', 'in', ids).execute();
}

/** A delivery of one event to one endpoint, due at once, as the fan-out and the test ping queue it. */
export function pendingDelivery(d: {
  webhookId: string;
  orgId: string;
  eventId: string;
  eventSeq: number | null;
  eventType: string;
  payload: string;
  now: number;
}): WebhookDeliveryRow {
  return {
    id: uuidv7(d.now),
    webhook_id: d.webhookId,
    org_id: d.orgId,
    event_id: d.eventId,
    event_seq: d.eventSeq,
    event_type: d.eventType,
    payload: d.payload,
    status: 'pending',
    attempts: 0,
    round_start: 0,
    next_attempt_at: d.now,
    claimed_until: null,
    claim_token: null,
    last_response_status: null,
    last_error: null,
    created_at: d.now,
    updated_at: d.now,
  };
}

/**
 * PostgreSQL: the rest of this transaction goes over one connection per node. On Citus the
 * fan-out reads sessions of several shards and then writes deliveries, a table on the coordinator
 * that references organizations, which Citus allows in one transaction only so. Elsewhere a
 * setting nothing reads.
 */
export async function oneConnectionPerNode(db: Db) {
  await sql`SELECT set_config('citus.multi_shard_modify_mode', 'sequential', true)`.execute(db);
}

export async function insertDeliveries(db: Db, rows: WebhookDeliveryRow[]) {
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('webhook_deliveries')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) => oc.columns(['webhook_id', 'event_id']).doNothing())
      .execute();
}

// ─── Sending ─────────────────────────────────────────────────────────────────────────────────

/**
 * Leases up to `limit` due deliveries of enabled endpoints to `token` until `leaseUntil`. On
 * PostgreSQL, `FOR UPDATE SKIP LOCKED` lets several processes claim at once without waiting on
 * or double-claiming each other's rows; SQLite has one writer (one process), so the same query
 * runs without it. A lease that runs out (its process died mid-send) makes the delivery due again.
 */
export async function claimDueDeliveries(
  db: Db,
  dialect: DialectName,
  opts: { now: number; limit: number; leaseUntil: number; token: string },
) {
  const due = db
    .selectFrom('webhook_deliveries as d')
    .select('d.id')
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', opts.now)
    .where((eb) => eb.or([eb('d.claimed_until', 'is', null), eb('d.claimed_until', '<=', opts.now)]))
    .where('d.webhook_id', 'in', (eb) => eb.selectFrom('webhooks').select('id').where('enabled', '=', 1))
    .orderBy('d.next_attempt_at')
    .limit(opts.limit)
    .$if(dialect === 'postgres', (q) => q.forUpdate().skipLocked());
  return db
    .updateTable('webhook_deliveries')
    .set({ claimed_until: opts.leaseUntil, claim_token: opts.token })
    .where('id', 'in', due)
    .returningAll()
    .execute();
}

/** When the next unleased delivery falls due (null: none pending). */
export async function nextDueAt(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.min('next_attempt_at').as('at'))
    .where('status', '=', 'pending')
    .where('claimed_until', 'is', null)
    .executeTakeFirst();
  return row?.at === undefined || row.at === null ? null : Number(row.at);
}

export async function webhooksByIds(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('webhooks').selectAll().where('id', 'in', ids).execute();
}

/**
 * Writes an attempt's outcome, only if `token` still holds the lease: a sender whose lease ran
 * out (and whose delivery another sender may have taken over) records nothing.
 */
export async function finishAttempt(
  db: Db,
  deliveryId: string,
  token: string,
  patch: Updateable<WebhookDeliveriesTable>,
  attempt: WebhookAttemptRow,
): Promise<boolean> {
  const res = await db
    .updateTable('webhook_deliveries')
    .set({ ...patch, claimed_until: null, claim_token: null })
    .where('id', '=', deliveryId)
    .where('claim_token', '=', token)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) return false;
  await db
    .insertInto('webhook_attempts')
    .values(attempt)
    .onConflict((oc) => oc.doNothing())
    .execute();
  return true;
}

/** Gives leased deliveries back to the queue at once (a graceful stop that could not finish). */
export async function releaseClaims(db: Db, token: string, ids: string[]) {
  if (ids.length === 0) return;
  await db
    .updateTable('webhook_deliveries')
    .set({ claimed_until: null, claim_token: null })
    .where('claim_token', '=', token)
    .where('id', 'in', ids)
    .execute();
}

// ─── Delivery log ────────────────────────────────────────────────────────────────────────────

export async function listDeliveries(
  db: Db,
  webhookId: string,
  opts: { status?: WebhookDeliveryStatus; limit: number; offset: number; beforeId?: string },
) {
  let q = db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId);
  if (opts.status) q = q.where('status', '=', opts.status);
  // uuidv7 ids sort by creation time: newest first is id descending, and a cursor is an id.
  if (opts.beforeId !== undefined) q = q.where('id', '<', opts.beforeId);
  else if (opts.offset) q = q.offset(opts.offset);
  return q.orderBy('id', 'desc').limit(opts.limit).execute();
}

export async function countDeliveries(db: Db, webhookId: string, status?: WebhookDeliveryStatus) {
  let q = db
    .selectFrom('webhook_deliveries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('webhook_id', '=', webhookId);
  if (status) q = q.where('status', '=', status);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export async function findDelivery(db: Db, webhookId: string, id: string) {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function attemptsOf(db: Db, deliveryIds: string[]) {
  const byDelivery = new Map<string, WebhookAttemptRow[]>();
  if (deliveryIds.length === 0) return byDelivery;
  const rows = await db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', 'in', deliveryIds)
    .orderBy('delivery_id')
    .orderBy('attempt')
    .execute();
  for (const r of rows) {
    const list = byDelivery.get(r.delivery_id) ?? [];
    list.push(r);
    byDelivery.set(r.delivery_id, list);
  }
  return byDelivery;
}

/**
 * Queues a delivery again now, with a fresh retry schedule. The event id and body stay as they
 * were, so the receiver sees the same `webhook-id` and can deduplicate.
 */
export async function requeueDelivery(db: Db, id: string, now: number) {
  return db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: 'pending',
      next_attempt_at: now,
      round_start: eb.ref('attempts'),
      claimed_until: null,
      claim_token: null,
      updated_at: now,
    }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

// ─── Rows to API objects ─────────────────────────────────────────────────────────────────────

export function webhookRowToApi(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events.split(','),
    description: row.description,
    enabled: row.enabled === 1,
    filters: JSON.parse(row.filters) as WebhookFilters,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    disabledReason: row.disabled_reason,
  };
}

function attemptRowToApi(row: WebhookAttemptRow): WebhookAttempt {
  return {
    attempt: row.attempt,
    at: iso(row.at),
    responseStatus: row.response_status,
    latencyMs: row.latency_ms,
    error: row.error,
  };
}

export function deliveryRowToApi(row: WebhookDeliveryRow, attempts: WebhookAttemptRow[] = []): WebhookDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' ? isoOrNull(row.next_attempt_at) : null,
    lastResponseStatus: row.last_response_status,
    lastError: row.last_error,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    attemptLog: attempts.map(attemptRowToApi),
  };
}
