/**
 * Review data (0022): a session's tags, scores and reviewed mark — kept on its row, which every
 * read returns, and copied into session_tags and session_scores, which the filters read by index —
 * its notes, and the organization's saved views. Functions take the db (or a transaction) first.
 */
import type { Actor, Note, SavedView, ScoreDetail, ScoreValue } from '@switchboard/contracts';
import { type Kysely, sql } from 'kysely';
import { iso } from '../lib/time.js';
import type { DialectName } from './db.js';
import { type SessionFilter, scoreText, sessionFilterWhere } from './filters.js';
import type { Database } from './schema.js';
import { parseJson, type SessionWithAgent } from './sessions/rows.js';

type Db = Kysely<Database>;
/** What identifies a session row: its pk, with started_at (the partition key on PostgreSQL). */
export interface SessionKeyRef {
  pk: number;
  started_at: number;
  org_id: string;
}

export const tagsOf = (row: Pick<SessionWithAgent, 'tags'>): string[] =>
  row.tags === undefined ? [] : parseJson<string[]>(row.tags);
export const scoresOf = (row: Pick<SessionWithAgent, 'scores'>): Record<string, ScoreValue> =>
  row.scores === undefined ? {} : parseJson<Record<string, ScoreValue>>(row.scores);

const byKey = (ref: SessionKeyRef) => ({ pk: Number(ref.pk), started_at: Number(ref.started_at) });

/** Writes a session's whole tag list: its row, and session_tags to match. */
export async function writeTags(db: Db, ref: SessionKeyRef, before: string[], after: string[]) {
  const k = byKey(ref);
  await db
    .updateTable('sessions')
    .set({ tags: JSON.stringify(after) })
    .where('pk', '=', k.pk)
    .where('started_at', '=', k.started_at)
    .execute();
  await writeTagRows(db, [{ ref, before, after }]);
}

/**
 * A session's tag list as its tag rows carry it (0034): sorted (bytewise: tags are ASCII) and
 * written `,a,b,`, so that `,a,` is in it exactly when the session has `a`.
 */
export const tagSetOf = (tags: readonly string[]) => (tags.length ? `,${[...tags].sort().join(',')},` : '');

/**
 * Brings session_tags in line with sessions' new tag lists (their rows are written by the caller),
 * for any number of sessions: the tags gone deleted, the session's list (`tag_set`, 0034)
 * rewritten on the rows it keeps and on its score rows (0036), the tags added inserted — a
 * statement per chunk of 500 sessions and per tag (deletes), list (rewrites) or tag and list
 * (inserts). What `GET /tags` counts and the `tag` filter reads.
 */
export async function writeTagRows(db: Db, changes: Array<{ ref: SessionKeyRef; before: string[]; after: string[] }>) {
  type Key = { org_id: string; session_pk: number; started_at: number };
  const gone = new Map<string, Key[]>();
  const added = new Map<string, Key[]>();
  const kept = new Map<string, Key[]>();
  const lists = new Map<string, Key[]>();
  const push = (map: Map<string, Key[]>, key: string, k: Key) => {
    const list = map.get(key);
    if (list) list.push(k);
    else map.set(key, [k]);
  };
  // A session changed twice here is written once: from its first `before` to its last `after`.
  const net = new Map<string, { ref: SessionKeyRef; before: string[]; after: string[] }>();
  for (const c of changes) {
    const key = `${c.ref.org_id}\u0000${c.ref.pk}`;
    const seen = net.get(key);
    net.set(key, seen ? { ...seen, after: c.after } : c);
  }
  for (const { ref, before, after } of net.values()) {
    const { pk, started_at } = byKey(ref);
    const k = { org_id: ref.org_id, session_pk: pk, started_at };
    const set = tagSetOf(after);
    if (set === tagSetOf(before)) continue;
    for (const tag of before) if (!after.includes(tag)) push(gone, `${ref.org_id}\u0000${tag}`, k);
    for (const tag of after) if (!before.includes(tag)) push(added, `${ref.org_id}\u0000${tag}\u0000${set}`, k);
    if (after.some((tag) => before.includes(tag))) push(kept, `${ref.org_id}\u0000${set}`, k);
    push(lists, `${ref.org_id}\u0000${set}`, k);
  }
  // Per tag: its rows' keys in the tag's index (a list of (started_at, session_pk) pairs as ORs
  // was a filter over all of the tag's rows on PostgreSQL, 30 s of a bulk removal of a tag from
  // 100,000 sessions). A session's pk alone identifies it, so the two lists match only its rows.
  await inChunks(gone, ([orgId, tag], pks, starts) =>
    db
      .deleteFrom('session_tags')
      .where('org_id', '=', orgId)
      .where('tag', '=', tag)
      .where('started_at', 'in', starts)
      .where('session_pk', 'in', pks)
      .execute(),
  );
  // The rows a session keeps take its new list, which moves each one's count in
  // session_tag_set_counts from the old list to the new (its trigger); its score rows carry the
  // list too (0036), a probe of session_scores' key each.
  for (const [table, groups] of [
    ['session_tags', kept],
    ['session_scores', lists],
  ] as const)
    await inChunks(groups, ([orgId, set], pks, starts) =>
      db
        .updateTable(table as 'session_tags')
        .set({ tag_set: set })
        .where('org_id', '=', orgId)
        .where('session_pk', 'in', pks)
        .where('started_at', 'in', starts)
        .where('tag_set', '<>', set)
        .execute(),
    );
  // Each tag row copies its session's filter columns (0026, 0033), read from the session row as it is
  // now: one statement per tag, list and chunk of sessions (a bulk job adds one tag to many).
  await inChunks(added, ([orgId, tag, set], pks, starts) =>
    db
      .insertInto('session_tags')
      .columns([
        'org_id',
        'tag',
        'started_at',
        'session_pk',
        'channel',
        'status',
        'type',
        'agent_id',
        'reviewed',
        'problem',
        'source',
        'tag_set',
      ])
      .expression(
        db
          .selectFrom('sessions as s')
          .select([
            's.org_id',
            sql<string>`CAST(${tag} AS text)`.as('tag'),
            's.started_at',
            's.pk',
            's.channel',
            's.status',
            's.type',
            's.agent_id',
            // As 0033's trigger copies them.
            sql<number>`CASE WHEN s.reviewed_at IS NULL THEN 0 ELSE 1 END`.as('reviewed'),
            sql<number>`CASE WHEN s.status = 'failed' OR s.errors > 0 THEN 1 ELSE 0 END`.as('problem'),
            's.source',
            sql<string>`CAST(${set} AS text)`.as('tag_set'),
          ])
          .where('s.org_id', '=', orgId)
          .where('s.pk', 'in', pks)
          .where('s.started_at', 'in', starts),
      )
      .onConflict((oc) => oc.doNothing())
      .execute(),
  );
}

/**
 * PostgreSQL: vacuums the rows that filters read from their indexes alone (session_tags,
 * session_scores). A bulk job rewrites the tag rows and score rows of every session it changes, and
 * until a vacuum marks their pages all-visible again an index-only read visits the table for each
 * entry: `tag=…&score.quality=5` went from 10 to 160 ms p50 after a bulk tag of 100,000 scored
 * sessions, until autovacuum came by about a minute later (docs/PERFORMANCE.md). SQLite has no such
 * visibility map. VACUUM runs outside any transaction; it does not block reads or writes.
 */
export async function vacuumReviewRows(db: Db, dialect: DialectName) {
  if (dialect === 'postgres') await sql`VACUUM session_tags, session_scores`.execute(db);
}

/**
 * `write` for each group of session keys, 500 at a time: the group's name split at its NULs
 * (organization, tag, list), the chunk's pks and start times.
 */
async function inChunks(
  groups: Map<string, Array<{ session_pk: number; started_at: number }>>,
  write: (name: string[], pks: number[], starts: number[]) => Promise<unknown>,
) {
  for (const [name, rows] of groups)
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      await write(
        name.split('\u0000'),
        chunk.map((r) => r.session_pk),
        chunk.map((r) => r.started_at),
      );
    }
}

/**
 * Sets one score (last write wins) on the session's row and in session_scores, which carries the
 * session's agent, channel, status and type (0035) and its tag list (0036) from `ref`, the
 * session's row as it is now.
 */
export async function writeScore(
  db: Db,
  ref: SessionKeyRef & Pick<SessionWithAgent, 'agent_id' | 'channel' | 'status' | 'type' | 'tags'>,
  scores: Record<string, ScoreValue>,
  name: string,
  value: ScoreValue,
  comment: string | null,
  author: Actor,
  now: number,
) {
  const k = byKey(ref);
  await db
    .updateTable('sessions')
    .set({ scores: JSON.stringify({ ...scores, [name]: value }) })
    .where('pk', '=', k.pk)
    .where('started_at', '=', k.started_at)
    .execute();
  const row = {
    value: JSON.stringify(value),
    value_text: scoreText(value),
    value_num: typeof value === 'number' ? value : null,
    comment,
    author: JSON.stringify(author),
    updated_at: now,
    agent_id: ref.agent_id,
    channel: ref.channel,
    status: ref.status,
    type: ref.type,
    tag_set: tagSetOf(tagsOf(ref)),
  };
  await db
    .insertInto('session_scores')
    .values({ org_id: ref.org_id, session_pk: k.pk, started_at: k.started_at, name, ...row })
    .onConflict((oc) => oc.columns(['org_id', 'session_pk', 'name']).doUpdateSet(row))
    .execute();
}

/** Marks the session reviewed (an actor) or not (null). */
export async function writeReviewed(db: Db, ref: SessionKeyRef, by: Actor | null, now: number) {
  const k = byKey(ref);
  await db
    .updateTable('sessions')
    .set({ reviewed_at: by ? now : null, reviewed_by: by ? JSON.stringify(by) : null })
    .where('pk', '=', k.pk)
    .where('started_at', '=', k.started_at)
    .execute();
}

export async function scoreDetails(db: Db, dialect: DialectName, ref: SessionKeyRef): Promise<ScoreDetail[]> {
  const rows = await db
    .selectFrom('session_scores')
    .selectAll()
    .where('session_pk', '=', Number(ref.pk))
    .where('org_id', '=', ref.org_id)
    .orderBy('name')
    .execute();
  return rows.map((r) => ({
    name: r.name,
    // PostgreSQL hands jsonb back parsed — a string score arrives as the string itself, which
    // JSON.parse would refuse (or turn "5" into 5); SQLite hands back the JSON text.
    value: (dialect === 'postgres' ? r.value : JSON.parse(r.value as string)) as ScoreValue,
    comment: r.comment,
    author: parseJson<Actor>(r.author),
    updatedAt: iso(Number(r.updated_at)),
  }));
}

export function noteRowToApi(
  r: { id: string; body: string; author: unknown; created_at: number },
  sessionId: string,
): Note {
  return {
    id: r.id,
    sessionId,
    body: r.body,
    author: parseJson<Actor>(r.author),
    createdAt: iso(Number(r.created_at)),
  };
}

export async function insertNote(db: Db, ref: SessionKeyRef, id: string, body: string, author: Actor, now: number) {
  await db
    .insertInto('session_notes')
    .values({
      id,
      org_id: ref.org_id,
      session_pk: Number(ref.pk),
      started_at: Number(ref.started_at),
      body,
      author: JSON.stringify(author),
      created_at: now,
    })
    .execute();
}

export async function notesOf(db: Db, ref: SessionKeyRef) {
  return db
    .selectFrom('session_notes')
    .selectAll()
    .where('session_pk', '=', Number(ref.pk))
    .where('org_id', '=', ref.org_id)
    .orderBy('id')
    .execute();
}

export async function findNote(db: Db, ref: SessionKeyRef, noteId: string) {
  return db
    .selectFrom('session_notes')
    .selectAll()
    .where('id', '=', noteId)
    .where('session_pk', '=', Number(ref.pk))
    .where('org_id', '=', ref.org_id)
    .executeTakeFirst();
}

export async function deleteNote(db: Db, id: string) {
  await db.deleteFrom('session_notes').where('id', '=', id).execute();
}

/** The organization's tags with how many sessions carry each, most used first. */
export async function tagCounts(db: Db, orgId: string, limit: number) {
  // From the counters (0026): a few rows per tag, where session_tags has one per tagged session.
  const rows = await db
    .selectFrom('session_tag_counts')
    .select(['tag', sql<number>`sum(n)`.as('count')])
    .where('org_id', '=', orgId)
    .groupBy('tag')
    .having(sql<number>`sum(n)`, '>', 0)
    .orderBy('count', 'desc')
    .orderBy('tag')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ tag: r.tag, count: Number(r.count) }));
}

/** Per numeric score name: the mean and count over the sessions the filter matches. */
export async function scoreMeans(
  db: Db,
  dialect: DialectName,
  orgId: string,
  f: SessionFilter,
): Promise<Record<string, { mean: number; count: number }>> {
  const empty = Object.values(f).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
  let q = db
    .selectFrom('session_scores as sc')
    .select(['sc.name', (eb) => eb.fn.avg<number>('sc.value_num').as('mean'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('sc.org_id', '=', orgId)
    .where('sc.value_num', 'is not', null)
    .groupBy('sc.name');
  if (!empty)
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('sessions as s')
          .select(sql`1`.as('one'))
          .whereRef('s.pk', '=', 'sc.session_pk')
          .whereRef('s.started_at', '=', 'sc.started_at')
          .where((eb) => sessionFilterWhere(eb, dialect, orgId, f)),
      ),
    );
  const rows = await q.execute();
  return Object.fromEntries(rows.map((r) => [r.name, { mean: Number(r.mean), count: Number(r.n) }]));
}

// ─── saved views ───────────────────────────────────────────────────────────────────────────

type ViewRow = { [K in keyof Database['saved_views']]: unknown } & {
  id: string;
  name: string;
  query: string;
  created_at: number;
  updated_at: number;
};

export function viewRowToApi(r: ViewRow): SavedView {
  return {
    id: r.id,
    name: r.name,
    query: r.query,
    columns: r.columns === null || r.columns === undefined ? null : parseJson<string[]>(r.columns),
    createdAt: iso(Number(r.created_at)),
    updatedAt: iso(Number(r.updated_at)),
  };
}

export async function listViews(db: Db, orgId: string) {
  return db
    .selectFrom('saved_views')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function countViews(db: Db, orgId: string) {
  const r = await db
    .selectFrom('saved_views')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function findView(db: Db, orgId: string, id: string) {
  return db.selectFrom('saved_views').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function insertView(
  db: Db,
  row: { id: string; org_id: string; name: string; query: string; columns: string[] | null; now: number },
) {
  await db
    .insertInto('saved_views')
    .values({
      id: row.id,
      org_id: row.org_id,
      name: row.name,
      query: row.query,
      columns: row.columns ? JSON.stringify(row.columns) : null,
      created_at: row.now,
      updated_at: row.now,
    })
    .execute();
}

export async function updateView(
  db: Db,
  orgId: string,
  id: string,
  set: { name?: string; query?: string; columns?: string[] | null },
  now: number,
) {
  const values: { name?: string; query?: string; columns?: string | null; updated_at: number } = { updated_at: now };
  if (set.name !== undefined) values.name = set.name;
  if (set.query !== undefined) values.query = set.query;
  if (set.columns !== undefined) values.columns = set.columns === null ? null : JSON.stringify(set.columns);
  const r = await db
    .updateTable('saved_views')
    .set(values)
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteView(db: Db, orgId: string, id: string) {
  const r = await db.deleteFrom('saved_views').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The view every organization starts with: failed or with errors, not reviewed yet. */
export const NEEDS_REVIEW_VIEW = { name: 'Needs review', query: 'problems=true&reviewed=false' } as const;
