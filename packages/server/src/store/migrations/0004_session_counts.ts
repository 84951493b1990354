/** session_counts: exact session counts per organization, channel, status and type, kept by triggers. */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg, big } = columnTypes(dialect);
  // Session counts per organization, channel, status and type, kept exact by triggers in
  // the writing transaction (docs/PERFORMANCE.md budgets unfiltered metrics at 10 ms for a
  // million sessions, which no scan can do). Triggers, not application code, so every path that
  // writes sessions (ingest, idle sweep, demo generator, deletes) keeps them right.
  await db.schema
    .createTable('session_counts')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('n', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('session_counts_pk', ['org_id', 'channel', 'status', 'type'])
    .execute();
  // The per-filter indexes widened to cover the other filter columns: a count with a time
  // range and a channel, status, type or agent (the dashboard's date picker plus a filter)
  // becomes an index-only range scan instead of a table row read per match.
  for (const [name, cols] of [
    ['sessions_status', ['org_id', 'status', 'started_at', 'channel', 'type', 'agent_id']],
    ['sessions_channel', ['org_id', 'channel', 'started_at', 'status', 'type', 'agent_id']],
    ['sessions_agent', ['org_id', 'agent_id', 'started_at', 'channel', 'status', 'type']],
  ] as const) {
    await db.schema.dropIndex(name).execute();
    await db.schema
      .createIndex(name)
      .on('sessions')
      .columns([...cols])
      .execute();
  }
  await sql`INSERT INTO session_counts (org_id, channel, status, type, n)
          SELECT org_id, channel, status, type, count(*) FROM sessions GROUP BY org_id, channel, status, type`.execute(
    db,
  );
  if (pg) {
    // Deferred to commit and behind the outbox's advisory lock: two ingest transactions
    // touching counter rows in different orders would otherwise deadlock, and a counter
    // row locked early would serialize whole batches instead of their commits only.
    await sql`CREATE FUNCTION sb_session_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
            BEGIN
              PERFORM pg_advisory_xact_lock(7245012);
              IF TG_OP IN ('UPDATE', 'DELETE') THEN
                UPDATE session_counts SET n = n - 1
                  WHERE org_id = OLD.org_id AND channel = OLD.channel AND status = OLD.status AND type = OLD.type;
              END IF;
              IF TG_OP IN ('INSERT', 'UPDATE') THEN
                INSERT INTO session_counts AS c (org_id, channel, status, type, n)
                  VALUES (NEW.org_id, NEW.channel, NEW.status, NEW.type, 1)
                  ON CONFLICT (org_id, channel, status, type) DO UPDATE SET n = c.n + 1;
              END IF;
              RETURN NULL;
            END
            $fn$`.execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_counts_insert AFTER INSERT ON sessions
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_counts()`.execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_counts_update AFTER UPDATE OF org_id, channel, status, type ON sessions
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
            WHEN ((OLD.org_id, OLD.channel, OLD.status, OLD.type) IS DISTINCT FROM (NEW.org_id, NEW.channel, NEW.status, NEW.type))
            EXECUTE FUNCTION sb_session_counts()`.execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_counts_delete AFTER DELETE ON sessions
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_counts()`.execute(db);
  } else {
    const plus = (r: string) =>
      sql.raw(`INSERT INTO session_counts (org_id, channel, status, type, n)
            VALUES (${r}.org_id, ${r}.channel, ${r}.status, ${r}.type, 1)
            ON CONFLICT (org_id, channel, status, type) DO UPDATE SET n = n + 1;`);
    const minus = (r: string) =>
      sql.raw(`UPDATE session_counts SET n = n - 1
            WHERE org_id = ${r}.org_id AND channel = ${r}.channel AND status = ${r}.status AND type = ${r}.type;`);
    await sql`CREATE TRIGGER session_counts_insert AFTER INSERT ON sessions BEGIN ${plus('new')} END`.execute(db);
    await sql`CREATE TRIGGER session_counts_update AFTER UPDATE OF org_id, channel, status, type ON sessions
            WHEN old.org_id IS NOT new.org_id OR old.channel IS NOT new.channel OR old.status IS NOT new.status
              OR old.type IS NOT new.type
            BEGIN ${minus('old')} ${plus('new')} END`.execute(db);
    await sql`CREATE TRIGGER session_counts_delete AFTER DELETE ON sessions BEGIN ${minus('old')} END`.execute(db);
  }
  // Fresh statistics for the rebuilt indexes. With stale ones SQLite took a new index for
  // "org_id = ?" as selective and sorted every session for a first page (2.7 s at 100,000
  // rows, measured); with none or current ones it walks the sort index and stops at LIMIT.
  await sql`ANALYZE`.execute(db);
}
