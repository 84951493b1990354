/**
 * Agents: created on their first session, renamed by a later one, and their session counters,
 * which are added at commit.
 */
import type { Session } from '@switchboard/contracts';
import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';
import type { OutboxEntry } from '../outbox.js';
import type { Database } from '../schema.js';

type Db = Kysely<Database>;

/**
 * Creates the agent if it is new and gives it its latest name, without touching its counters:
 * those are added at commit by `countStartedSessions`, so on PostgreSQL a batch does not hold
 * its agents' row locks (and stall every other batch of those agents) for its whole length.
 */
export async function ensureAgent(
  db: Db,
  orgId: string,
  id: string,
  name: string | undefined,
  now: number,
): Promise<string> {
  const row = await db
    .selectFrom('agents')
    .select('name')
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  let current = row?.name;
  if (!row) {
    const shownName = name ?? id;
    const inserted = await db
      .insertInto('agents')
      .values({
        org_id: orgId,
        id,
        name: shownName,
        search_name: shownName.toLowerCase(),
        first_seen_at: now,
        last_seen_at: now,
        session_count: 0,
      })
      .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
      .executeTakeFirst();
    // A bigint from the driver.
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return shownName;
    // Another writer created it meanwhile: rename only if its name differs, since a rename locks
    // the row until this transaction commits.
    current = (
      await db.selectFrom('agents').select('name').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst()
    )?.name;
  }
  if (name !== undefined && current !== name) await renameAgent(db, orgId, id, name);
  return name ?? current ?? id;
}

/**
 * `ensureAgent` for many agents at once (the batch route's creates): their names read in one
 * statement, the new ones inserted in one, then only the renames one by one. `name` is the name
 * the last create gave (undefined when none did), which is what applying them in order leaves.
 * Returns each agent's name as it is now.
 */
export async function ensureAgents(
  db: Db,
  orgId: string,
  agents: Array<{ id: string; name: string | undefined }>,
  now: number,
): Promise<Map<string, string>> {
  if (agents.length === 1)
    return new Map([[agents[0].id, await ensureAgent(db, orgId, agents[0].id, agents[0].name, now)]]);
  const ids = agents.map((a) => a.id);
  const current = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500)
    for (const r of await db
      .selectFrom('agents')
      .select(['id', 'name'])
      .where('org_id', '=', orgId)
      .where('id', 'in', ids.slice(i, i + 500))
      .execute())
      current.set(r.id, r.name);
  const missing = agents.filter((a) => !current.has(a.id));
  const names = new Map<string, string>();
  if (missing.length) {
    const rows = missing.map((a) => {
      const shownName = a.name ?? a.id;
      return {
        org_id: orgId,
        id: a.id,
        name: shownName,
        search_name: shownName.toLowerCase(),
        first_seen_at: now,
        last_seen_at: now,
        session_count: 0,
      };
    });
    let inserted = 0;
    for (let i = 0; i < rows.length; i += 500) {
      const r = await db
        .insertInto('agents')
        .values(rows.slice(i, i + 500))
        .onConflict((oc) => oc.columns(['org_id', 'id']).doNothing())
        .executeTakeFirst();
      inserted += Number(r.numInsertedOrUpdatedRows ?? 0);
    }
    for (const r of rows) names.set(r.id, r.name);
    // Another writer created some of them meanwhile: those take the one-by-one path.
    if (inserted < rows.length)
      for (const a of missing) names.set(a.id, await ensureAgent(db, orgId, a.id, a.name, now));
  }
  for (const a of agents) {
    const name = current.get(a.id);
    if (name === undefined) continue;
    if (a.name !== undefined && name !== a.name) await renameAgent(db, orgId, a.id, a.name);
    names.set(a.id, a.name ?? name);
  }
  return names;
}

/**
 * Adds the sessions that these outbox entries started to their agents' counters, in one
 * statement. Called right after `writeOutbox`, whose advisory lock serializes it on PostgreSQL:
 * agent rows are then locked only while the transaction commits. (It was one UPDATE per agent;
 * a batch of 250 short sessions touches 50 agents, 50 round trips while holding that lock.)
 */
export async function countStartedSessions(db: Db, dialect: DialectName, orgId: string, entries: OutboxEntry[]) {
  const tally = new Map<string, { n: number; last: number }>();
  for (const e of entries) {
    if (e.type !== 'session.started') continue;
    const agentId = (e.data as Session).agent.id;
    const t = tally.get(agentId);
    if (t) {
      t.n++;
      t.last = Math.max(t.last, e.occurredAt);
    } else tally.set(agentId, { n: 1, last: e.occurredAt });
  }
  if (tally.size === 0) return;
  const sorted = [...tally].sort(([a], [b]) => (a < b ? -1 : 1));
  if (sorted.length === 1) {
    const [[id, { n, last }]] = sorted;
    await db
      .updateTable('agents')
      .set((eb) => ({
        session_count: eb('session_count', '+', n),
        last_seen_at: sql<number>`CASE WHEN last_seen_at < ${last} THEN ${last} ELSE last_seen_at END`,
      }))
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
    return;
  }
  // The casts tell PostgreSQL the VALUES' types (SQLite reads them as written).
  const cast = (column: string, type: string) =>
    sql.raw(dialect === 'postgres' ? `v.${column}::${type}` : `v.${column}`);
  for (let i = 0; i < sorted.length; i += 500) {
    const values = sorted.slice(i, i + 500).map(([id, { n, last }]) => sql`(${id}, ${n}, ${last})`);
    await sql`UPDATE agents SET session_count = agents.session_count + ${cast('n', 'bigint')},
        last_seen_at = CASE WHEN agents.last_seen_at < ${cast('last', 'bigint')} THEN ${cast('last', 'bigint')} ELSE agents.last_seen_at END
      FROM (SELECT column1 AS id, column2 AS n, column3 AS last FROM (VALUES ${sql.join(values)}) AS x) AS v
      WHERE agents.org_id = ${orgId} AND agents.id = ${cast('id', 'text')}`.execute(db);
  }
}

export async function renameAgent(db: Db, orgId: string, id: string, name: string) {
  await db
    .updateTable('agents')
    .set({ name, search_name: name.toLowerCase() })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function listAgents(db: Db, orgId: string) {
  return db
    .selectFrom('agents')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('last_seen_at', 'desc')
    .orderBy('id')
    .execute();
}

export async function findAgent(db: Db, orgId: string, id: string) {
  return db.selectFrom('agents').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}
