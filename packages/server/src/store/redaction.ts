/**
 * An organization's redaction settings (docs/REDACTION.md): one row, or none for the server
 * default; and the writes of redaction applied again to stored sessions.
 */
import type { CustomPattern, RedactionDetector } from '@switchboard/contracts';
import { type Kysely, sql } from 'kysely';
import type { DialectName } from './db.js';
import type { Database } from './schema.js';
import type { SessionKey } from './sessions/write.js';

type Db = Kysely<Database>;

export interface StoredRedaction {
  detectors: RedactionDetector[];
  custom: CustomPattern[];
  updatedAt: number;
}

const parse = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export async function findRedactionSettings(db: Db, orgId: string): Promise<StoredRedaction | null> {
  const row = await db.selectFrom('redaction_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  if (!row) return null;
  return {
    detectors: parse<RedactionDetector[]>(row.detectors),
    custom: parse<CustomPattern[]>(row.custom),
    updatedAt: Number(row.updated_at),
  };
}

export async function saveRedactionSettings(db: Db, orgId: string, s: StoredRedaction) {
  const values = {
    detectors: JSON.stringify(s.detectors),
    custom: JSON.stringify(s.custom),
    updated_at: s.updatedAt,
  };
  await db
    .insertInto('redaction_settings')
    .values({ org_id: orgId, ...values })
    .onConflict((oc) => oc.column('org_id').doUpdateSet(values))
    .execute();
}

// ─── applying redaction again to stored sessions (services/jobs/redaction.ts) ─────────────

/** A parameter as PostgreSQL should read it inside VALUES (where it would otherwise be text). */
const typed = (dialect: DialectName, value: unknown, type: 'bigint' | 'text' | 'json') =>
  dialect === 'postgres' ? sql`${value}::${sql.raw(type)}` : sql`${value}`;

/**
 * Rewrites a column or two of many transcript rows: one UPDATE … FROM (VALUES …) per 500 rows
 * (a statement per row was most of a batch's time on PostgreSQL).
 */
async function rewriteRows(
  db: Db,
  dialect: DialectName,
  table: 'messages' | 'session_events',
  columns: Array<{ name: string; type: 'text' | 'json' }>,
  rows: Array<{ pk: number; session_started_at: number; values: unknown[] }>,
) {
  const names = ['pk', 'started_at', ...columns.map((c) => c.name)];
  const selected = names.map((n, i) => sql`${sql.ref(`column${i + 1}`)} AS ${sql.ref(n)}`);
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows
      .slice(i, i + 500)
      .map(
        (r) =>
          sql`(${sql.join([
            typed(dialect, r.pk, 'bigint'),
            typed(dialect, r.session_started_at, 'bigint'),
            ...columns.map((c, j) => typed(dialect, r.values[j], c.type)),
          ])})`,
      );
    await sql`UPDATE ${sql.table(table)} SET ${sql.join(columns.map((c) => sql`${sql.ref(c.name)} = ${sql.ref(`v.${c.name}`)}`))}
      FROM (SELECT ${sql.join(selected)} FROM (VALUES ${sql.join(values)}) AS x) AS v
      WHERE ${sql.ref(`${table}.pk`)} = v.pk AND ${sql.ref(`${table}.session_started_at`)} = v.started_at`.execute(db);
  }
}

/** Messages' content and metadata as redaction left them. */
export function rewriteMessages(
  db: Db,
  dialect: DialectName,
  rows: Array<{ pk: number; session_started_at: number; content: string; metadata: string }>,
) {
  return rewriteRows(
    db,
    dialect,
    'messages',
    [
      { name: 'content', type: 'text' },
      { name: 'metadata', type: 'json' },
    ],
    rows.map((r) => ({ pk: r.pk, session_started_at: r.session_started_at, values: [r.content, r.metadata] })),
  );
}

/** Events' data as redaction left it. */
export function rewriteEvents(
  db: Db,
  dialect: DialectName,
  rows: Array<{ pk: number; session_started_at: number; data: string }>,
) {
  return rewriteRows(
    db,
    dialect,
    'session_events',
    [{ name: 'data', type: 'json' }],
    rows.map((r) => ({ pk: r.pk, session_started_at: r.session_started_at, values: [r.data] })),
  );
}

/**
 * The transcript search index of sessions whose messages were rewritten. Ingest only ever adds
 * messages, so the index's triggers follow inserts and deletes, not updates: here SQLite's
 * entries of the rewritten messages are replaced, and PostgreSQL's documents of each session
 * (a word of the old text may be in any of them) become one made from its messages as they are.
 */
export async function reindexTranscripts(
  db: Db,
  dialect: DialectName,
  orgId: string,
  sessions: Array<{ key: SessionKey; rewritten: Array<{ seq: number; content: string }> }>,
) {
  if (sessions.length === 0) return;
  if (dialect === 'sqlite') {
    for (const { key, rewritten } of sessions)
      for (const m of rewritten) {
        const rowid = sql`(${key.pk} << 32) | ${m.seq}`;
        await sql`DELETE FROM transcript_fts WHERE rowid = ${rowid}`.execute(db);
        await sql`INSERT INTO transcript_fts(rowid, content) VALUES (${rowid}, ${m.content})`.execute(db);
      }
    return;
  }
  for (let i = 0; i < sessions.length; i += 500) {
    const keys = sql.join(
      sessions.slice(i, i + 500).map(({ key }) => sql`(${key.pk}::bigint, ${key.started_at}::bigint)`),
    );
    await sql`DELETE FROM transcript_docs WHERE (session_pk, session_started_at) IN (VALUES ${keys})`.execute(db);
    await sql`INSERT INTO transcript_docs (org_id, session_pk, session_started_at, tsv)
      SELECT ${orgId}::text, session_pk, session_started_at, to_tsvector('simple', string_agg(content, ' ' ORDER BY seq))
      FROM messages WHERE (session_pk, session_started_at) IN (VALUES ${keys})
      GROUP BY session_pk, session_started_at`.execute(db);
  }
}

/** The organization's last event id (outbox `org_seq`), 0 before its first. */
export async function lastOrgSeq(db: Db, orgId: string) {
  const row = await db
    .selectFrom('outbox_org_seqs')
    .select('last_org_seq')
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return Number(row?.last_org_seq ?? 0);
}

/**
 * The next `limit` events of the organization after `after` and up to `upTo` (org_seq): where
 * the walk got to, and the payloads of those whose session is among the job's (the only ones
 * read: a transcript's events can be large).
 */
export async function jobEventsAfter(db: Db, orgId: string, jobId: string, after: number, upTo: number, limit: number) {
  const rows = await db
    .selectFrom('outbox')
    .select(['seq', 'org_seq', 'session_id'])
    .where('org_id', '=', orgId)
    .where('org_seq', '>', after)
    .where('org_seq', '<=', upTo)
    .orderBy('org_seq')
    .limit(limit)
    .execute();
  const ids = [...new Set(rows.map((r) => r.session_id))];
  const inJob = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const found = await db
      .selectFrom('session_ids as i')
      .innerJoin('job_items as j', (j) => j.onRef('j.session_pk', '=', 'i.pk').on('j.job_id', '=', jobId))
      .select('i.id')
      .where('i.org_id', '=', orgId)
      .where('i.id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const f of found) inJob.add(f.id);
  }
  const seqs = rows.filter((r) => inJob.has(r.session_id)).map((r) => r.seq);
  const payloads = [];
  for (let i = 0; i < seqs.length; i += 500)
    payloads.push(
      ...(await db
        .selectFrom('outbox')
        .select(['seq', 'org_seq', 'payload'])
        .where('seq', 'in', seqs.slice(i, i + 500))
        .orderBy('seq')
        .execute()),
    );
  return {
    last: rows.length ? Number(rows[rows.length - 1].org_seq) : null,
    read: rows.length,
    events: payloads.map((r) => ({ seq: Number(r.seq), orgSeq: Number(r.org_seq), payload: r.payload })),
  };
}

/** Payloads of stored events (by `seq`) or webhook deliveries (by `id`), one statement per 500. */
export async function rewritePayloads(
  db: Db,
  dialect: DialectName,
  table: 'outbox' | 'webhook_deliveries',
  rows: Array<{ key: number | string; payload: string }>,
) {
  const key = table === 'outbox' ? 'seq' : 'id';
  for (let i = 0; i < rows.length; i += 500) {
    const values = rows
      .slice(i, i + 500)
      .map(
        (r) =>
          sql`(${typed(dialect, r.key, table === 'outbox' ? 'bigint' : 'text')}, ${typed(dialect, r.payload, 'text')})`,
      );
    await sql`UPDATE ${sql.table(table)} SET payload = v.payload
      FROM (SELECT column1 AS k, column2 AS payload FROM (VALUES ${sql.join(values)}) AS x) AS v
      WHERE ${sql.ref(`${table}.${key}`)} = v.k`.execute(db);
  }
}

/** The webhook deliveries of these events (by event id, the outbox `org_seq`). */
export async function deliveriesOfEvents(db: Db, orgId: string, orgSeqs: number[]) {
  if (orgSeqs.length === 0) return [];
  return db
    .selectFrom('webhook_deliveries')
    .select(['id', 'payload'])
    .where('webhook_id', 'in', db.selectFrom('webhooks').select('id').where('org_id', '=', orgId))
    .where(
      'event_id',
      'in',
      orgSeqs.map((s) => String(s)),
    )
    .execute();
}

/** Moves a job to its next phase, its cursor back to the start and `max_pk` the phase's bound. */
export async function enterJobPhase(
  db: Db,
  id: string,
  step: { phase: 'outbox'; bound: number; done: number; failed: number },
  now: number,
) {
  await db
    .updateTable('jobs')
    .set((eb) => ({
      phase: step.phase,
      cursor: 0,
      max_pk: step.bound,
      done: eb('done', '+', step.done),
      failed: eb('failed', '+', step.failed),
      status: 'running',
      updated_at: now,
    }))
    .where('id', '=', id)
    .execute();
}

/**
 * The metadata tables' rows of values no session holds any more. Their triggers count a value
 * down to zero but keep its row (a value usually comes back); a value redaction replaced must
 * not stay behind as a key. On PostgreSQL the counts are deferred triggers: they run first.
 */
export async function dropUnheldMetadataValues(
  db: Db,
  dialect: DialectName,
  orgId: string,
  values: Array<{ key: string; value: string }>,
) {
  if (values.length === 0) return;
  if (dialect === 'postgres') await sql`SET CONSTRAINTS ALL IMMEDIATE`.execute(db);
  for (let i = 0; i < values.length; i += 500) {
    const pairs = sql.join(
      values.slice(i, i + 500).map((v) => sql`(${typed(dialect, v.key, 'text')}, ${typed(dialect, v.value, 'text')})`),
    );
    for (const table of ['session_metadata_counts', 'session_metadata_figures', 'metadata_first_responses'] as const)
      await sql`DELETE FROM ${sql.table(table)} WHERE org_id = ${orgId} AND (key, value) IN (VALUES ${pairs})
        AND NOT EXISTS (SELECT 1 FROM session_metadata m WHERE m.org_id = ${orgId}
          AND m.key = ${sql.ref(`${table}.key`)} AND m.value = ${sql.ref(`${table}.value`)})`.execute(db);
  }
}
