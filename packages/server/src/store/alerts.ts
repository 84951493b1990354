/**
 * Alert rules, their transitions and their Slack messages (0024), and the two window queries the
 * evaluator needs beyond the sessions' figures: sessions ended in a window (a range of the
 * `sessions_ended` index) and sessions active now.
 */
import type { Alert, AlertTransition } from '@switchboard/contracts';
import { type Kysely, sql } from 'kysely';
import { iso, isoOrNull } from '../lib/time.js';
import type { DialectName } from './db.js';
import { type SessionFilter, sessionFilterWhere } from './filters.js';
import type { AlertRuleRow, AlertRulesTable, Database } from './schema.js';

type Db = Kysely<Database>;

export function alertRowToApi(r: AlertRuleRow): Alert {
  return {
    id: r.id,
    name: r.name,
    filters: r.filters,
    metric: r.metric,
    op: r.op,
    threshold: Number(r.threshold),
    windowSeconds: Number(r.window_seconds),
    cooldownSeconds: Number(r.cooldown_seconds),
    slack: r.slack_url !== null,
    enabled: Number(r.enabled) === 1,
    state: r.state,
    stateSince: iso(Number(r.state_since)),
    value: r.last_value === null ? null : Number(r.last_value),
    evaluatedAt: isoOrNull(r.evaluated_at === null ? null : Number(r.evaluated_at)),
    lastFiredAt: isoOrNull(r.last_fired_at === null ? null : Number(r.last_fired_at)),
    createdAt: iso(Number(r.created_at)),
    updatedAt: iso(Number(r.updated_at)),
  };
}

export async function insertAlert(db: Db, row: AlertRulesTable) {
  await db.insertInto('alert_rules').values(row).execute();
}

export async function countAlerts(db: Db, orgId: string): Promise<number> {
  const r = await db
    .selectFrom('alert_rules')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export function listAlerts(db: Db, orgId: string) {
  return db
    .selectFrom('alert_rules')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export function findAlert(db: Db, orgId: string, id: string) {
  return db.selectFrom('alert_rules').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

/** The enabled rules of every organization, for one evaluation round. */
export function enabledAlerts(db: Db) {
  return db.selectFrom('alert_rules').selectAll().where('enabled', '=', 1).execute();
}

export async function updateAlert(db: Db, orgId: string, id: string, patch: Partial<AlertRulesTable>) {
  const r = await db
    .updateTable('alert_rules')
    .set(patch)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteAlert(db: Db, orgId: string, id: string) {
  await db.deleteFrom('alert_slack_messages').where('alert_id', '=', id).where('org_id', '=', orgId).execute();
  await db.deleteFrom('alert_transitions').where('alert_id', '=', id).where('org_id', '=', orgId).execute();
  const r = await db.deleteFrom('alert_rules').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/**
 * Moves a rule from the state it was read in: false when another evaluator (or an edit) got there
 * first, so a transition is written once however many processes evaluate.
 */
export async function moveAlert(
  db: Db,
  rule: AlertRuleRow,
  patch: Pick<AlertRulesTable, 'state' | 'state_since' | 'last_value' | 'evaluated_at' | 'last_fired_at'>,
) {
  const r = await db
    .updateTable('alert_rules')
    .set(patch)
    .where('id', '=', rule.id)
    .where('state', '=', rule.state)
    .where('state_since', '=', rule.state_since)
    .where('updated_at', '=', rule.updated_at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The value seen by an evaluation that changed nothing. */
export async function noteAlertValue(db: Db, id: string, value: number | null, at: number) {
  await db.updateTable('alert_rules').set({ last_value: value, evaluated_at: at }).where('id', '=', id).execute();
}

export async function insertTransition(
  db: Db,
  t: {
    alertId: string;
    orgId: string;
    state: 'ok' | 'firing';
    value: number | null;
    threshold: number;
    op: AlertRuleRow['op'];
    windowSeconds: number;
    at: number;
  },
) {
  await db
    .insertInto('alert_transitions')
    .values({
      alert_id: t.alertId,
      org_id: t.orgId,
      state: t.state,
      value: t.value,
      threshold: t.threshold,
      op: t.op,
      window_seconds: t.windowSeconds,
      at: t.at,
    })
    .execute();
}

export async function alertHistory(db: Db, orgId: string, id: string, limit: number): Promise<AlertTransition[]> {
  const rows = await db
    .selectFrom('alert_transitions')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('alert_id', '=', id)
    .orderBy('pk', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    state: r.state,
    value: r.value === null ? null : Number(r.value),
    threshold: Number(r.threshold),
    op: r.op,
    windowSeconds: Number(r.window_seconds),
    at: iso(Number(r.at)),
  }));
}

/** Sessions matching `f` that ended in [from, to), and how many of them failed: one index range. */
export async function endedIn(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  from: number,
  to: number,
): Promise<{ ended: number; failed: number }> {
  const r = await db
    .selectFrom('sessions as s')
    .select([
      sql<number>`count(*)`.as('ended'),
      sql<number>`COALESCE(sum(CASE WHEN s.status = 'failed' THEN 1 ELSE 0 END), 0)`.as('failed'),
    ])
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, f))
    .where('s.ended_at', '>=', from)
    .where('s.ended_at', '<', to)
    .executeTakeFirstOrThrow();
  return { ended: Number(r.ended), failed: Number(r.failed) };
}

// ─── Slack messages ──────────────────────────────────────────────────────────────────────────

export async function queueSlackMessage(db: Db, m: { alertId: string; orgId: string; body: string; at: number }) {
  await db
    .insertInto('alert_slack_messages')
    .values({
      alert_id: m.alertId,
      org_id: m.orgId,
      body: m.body,
      attempts: 0,
      next_attempt_at: m.at,
      claimed_until: null,
      status: 'pending',
      last_error: null,
      created_at: m.at,
    })
    .execute();
}

/**
 * Leases up to `limit` due Slack messages for `leaseUntil` (a message whose lease ran out, its
 * process gone, is due again), with the rule's sealed URL.
 */
export async function claimSlackMessages(db: Db, dialect: DialectName, now: number, leaseUntil: number, limit: number) {
  return db.transaction().execute(async (trx) => {
    let due = trx
      .selectFrom('alert_slack_messages')
      .select('pk')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit);
    if (dialect === 'postgres') due = due.forUpdate().skipLocked();
    const pks = (await due.execute()).map((r) => r.pk);
    if (pks.length === 0) return [];
    await trx.updateTable('alert_slack_messages').set({ claimed_until: leaseUntil }).where('pk', 'in', pks).execute();
    return trx
      .selectFrom('alert_slack_messages as m')
      .innerJoin('alert_rules as r', 'r.id', 'm.alert_id')
      .select(['m.pk', 'm.attempts', 'm.body', 'r.slack_url'])
      .where('m.pk', 'in', pks)
      .execute();
  });
}

export async function finishSlackMessage(
  db: Db,
  pk: number,
  patch: {
    status: 'pending' | 'succeeded' | 'failed';
    attempts: number;
    next_attempt_at: number | null;
    last_error: string | null;
  },
) {
  await db
    .updateTable('alert_slack_messages')
    .set({ ...patch, claimed_until: null })
    .where('pk', '=', pk)
    .execute();
}

/** The Slack messages of a rule, newest first (for tests and support). */
export function slackMessagesOf(db: Db, alertId: string) {
  return db
    .selectFrom('alert_slack_messages')
    .selectAll()
    .where('alert_id', '=', alertId)
    .orderBy('pk', 'desc')
    .execute();
}

/** When the next pending Slack message is due (null: none). */
export async function nextSlackDueAt(db: Db): Promise<number | null> {
  const r = await db
    .selectFrom('alert_slack_messages')
    .select((eb) => eb.fn.min('next_attempt_at').as('at'))
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return r?.at === null || r?.at === undefined ? null : Number(r.at);
}
