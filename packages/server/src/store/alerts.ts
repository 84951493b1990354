/**
 * Alert rules, their transitions and their Slack messages (0024), and the window queries the
 * evaluator needs beyond the sessions' figures: sessions ended in a window (a range of the
 * `sessions_ended` index), and, for a round, the sessions started, ended and their figures in
 * several windows at once, from one range of the largest.
 */
import type { Alert, AlertTransition } from '@switchboard/contracts';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { iso, isoOrNull } from '../lib/time.js';
import type { DialectName } from './db.js';
import { type SessionFilter, sessionFilterWhere } from './filters.js';
import type { AlertRuleRow, AlertRulesTable, Database } from './schema.js';
import { emptyFigures, type Figures, firstResponseBucket } from './sessions/figures.js';

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
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, f, { rangeFirst: true }))
    .where('s.ended_at', '>=', from)
    .where('s.ended_at', '<', to)
    .executeTakeFirstOrThrow();
  return { ended: Number(r.ended), failed: Number(r.failed) };
}

// ─── A round's windows, read together ──────────────────────────────────────────────────────────

/**
 * The smallest of `windows` (seconds, ascending) that holds a session stamped `column`, for windows
 * ending at `now` (inclusive): one range of the largest window, grouped by this, answers every
 * window — a window's sessions are those of its class and of every smaller one.
 */
function windowClass(column: 's.started_at' | 's.ended_at', windows: number[], now: number): RawBuilder<number> {
  const ref = sql.ref(column);
  if (windows.length === 1) return sql<number>`${sql.lit(windows[0])}`;
  const cases = windows.slice(0, -1).map((w) => sql`WHEN ${ref} >= ${now - w * 1000} THEN ${sql.lit(w)}`);
  return sql<number>`CASE ${sql.join(cases, sql` `)} ELSE ${sql.lit(windows[windows.length - 1])} END`;
}

/** Adds up each window's classes: the rows of a class count in that window and every larger one. */
function cumulative<T>(
  windows: number[],
  rows: Array<{ w: number }>,
  add: (into: T, row: never) => void,
  empty: () => T,
) {
  const out = new Map<number, T>();
  for (const w of windows) {
    const into = empty();
    for (const r of rows) if (Number(r.w) <= w) add(into, r as never);
    out.set(w, into);
  }
  return out;
}

const ascending = (windows: number[]) => [...new Set(windows)].sort((a, b) => a - b);

/**
 * How many sessions matching `f` started in each window ending at `now`: one range of the
 * `started_at` (or the filter's enum) index over the largest window.
 */
export async function startedInWindows(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  windowsSeconds: number[],
  now: number,
): Promise<Map<number, number>> {
  const windows = ascending(windowsSeconds);
  const from = now - windows[windows.length - 1] * 1000;
  const rows = await db
    .selectFrom('sessions as s')
    .select([windowClass('s.started_at', windows, now).as('w'), sql<number>`count(*)`.as('n')])
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, { ...f, from, to: now + 1 }))
    .groupBy(sql`1`)
    .execute();
  const counts = cumulative<{ n: number }>(
    windows,
    rows,
    (into, r: { n: number }) => (into.n += Number(r.n)),
    () => ({ n: 0 }),
  );
  return new Map([...counts].map(([w, c]) => [w, c.n]));
}

/** Sessions matching `f` that ended in each window ending at `now`, and how many of them failed. */
export async function endedInWindows(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  windowsSeconds: number[],
  now: number,
): Promise<Map<number, { ended: number; failed: number }>> {
  const windows = ascending(windowsSeconds);
  const rows = await db
    .selectFrom('sessions as s')
    .select([
      windowClass('s.ended_at', windows, now).as('w'),
      sql<number>`count(*)`.as('ended'),
      sql<number>`COALESCE(sum(CASE WHEN s.status = 'failed' THEN 1 ELSE 0 END), 0)`.as('failed'),
    ])
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, f, { rangeFirst: true }))
    .where('s.ended_at', '>=', now - windows[windows.length - 1] * 1000)
    .where('s.ended_at', '<', now + 1)
    .groupBy(sql`1`)
    .execute();
  return cumulative(
    windows,
    rows,
    (into: { ended: number; failed: number }, r: { ended: number; failed: number }) => {
      into.ended += Number(r.ended);
      into.failed += Number(r.failed);
    },
    () => ({ ended: 0, failed: 0 }),
  );
}

/**
 * The figures the alert metrics read (sessions, with handoffs, with errors, the first-response
 * histogram) of the sessions matching `f` started in each window ending at `now`: one scan of the
 * largest window grouped by window and response bucket, with only the columns those metrics need
 * (a third of the dashboard's figures read's per row).
 */
export async function figuresInWindows(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
  windowsSeconds: number[],
  now: number,
): Promise<Map<number, Figures>> {
  const windows = ascending(windowsSeconds);
  const from = now - windows[windows.length - 1] * 1000;
  type Row = { w: number; fr: number | null; n: number; with_handoffs: number; with_errors: number };
  const rows = (await db
    .selectFrom('sessions as s')
    .select([
      windowClass('s.started_at', windows, now).as('w'),
      firstResponseBucket(dialect, sql.ref('s.first_response_ms')).as('fr'),
      sql<number>`count(*)`.as('n'),
      sql<number>`sum(CASE WHEN s.handoffs > 0 THEN 1 ELSE 0 END)`.as('with_handoffs'),
      sql<number>`sum(CASE WHEN s.errors > 0 THEN 1 ELSE 0 END)`.as('with_errors'),
    ])
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, { ...f, from, to: now + 1 }))
    .groupBy([sql`1`, sql`2`])
    .execute()) as Row[];
  return cumulative(
    windows,
    rows,
    (into: Figures, r: Row) => {
      into.sums.n += Number(r.n);
      into.sums.with_handoffs += Number(r.with_handoffs);
      into.sums.with_errors += Number(r.with_errors);
      if (r.fr !== null) {
        const b = Number(r.fr);
        into.firstResponses.set(b, (into.firstResponses.get(b) ?? 0) + Number(r.n));
      }
    },
    emptyFigures,
  );
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
