/**
 * Schema migrations, run on every start and by `switchboard migrate`. Kysely's migrator takes a
 * lock first (an advisory lock on PostgreSQL), so several processes starting at once are safe.
 * Where the dialects differ (identity columns, full-text search) the branch is here, nowhere else.
 */
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import type { DialectName, Store } from './db.js';
import {
  addMonths,
  createMonthIn,
  ensureMonths,
  listMonths,
  type Month,
  monthOf,
  monthStart,
  monthSuffix,
} from './partitions.js';

function migrations(dialect: DialectName): Record<string, Migration> {
  const pg = dialect === 'postgres';
  const big = pg ? 'bigint' : 'integer';
  // json, not jsonb: it keeps the client's key order, as SQLite's text does.
  const json = pg ? 'json' : 'text';
  // biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that do not exist yet.
  type Db = Kysely<any>;
  const pkColumn = (db: Db, table: string, name: string) =>
    db.schema
      .createTable(table)
      .addColumn(name, big, (c) => (pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement()));

  return {
    '0001_initial': {
      async up(db: Db) {
        await db.schema
          .createTable('organizations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', big, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('api_keys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('prefix', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('last_used_at', big)
          .addColumn('revoked_at', big)
          .execute();
        await db.schema.createIndex('api_keys_org').on('api_keys').columns(['org_id', 'created_at']).execute();

        await db.schema
          .createTable('agents')
          .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('search_name', 'text', (c) => c.notNull())
          .addColumn('first_seen_at', big, (c) => c.notNull())
          .addColumn('last_seen_at', big, (c) => c.notNull())
          .addColumn('session_count', big, (c) => c.notNull().defaultTo(0))
          .addPrimaryKeyConstraint('agents_pk', ['org_id', 'id'])
          .execute();

        await pkColumn(db, 'sessions', 'pk')
          .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('agent_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('started_at', big, (c) => c.notNull())
          .addColumn('ended_at', big)
          .addColumn('duration_ms', big)
          .addColumn('message_count', big, (c) => c.notNull().defaultTo(0))
          .addColumn('event_count', big, (c) => c.notNull().defaultTo(0))
          .addColumn('ended_reason', 'text')
          .addColumn('last_activity_at', big, (c) => c.notNull())
          .addColumn('metadata', json, (c) => c.notNull())
          .addColumn('search_text', 'text', (c) => c.notNull())
          .addColumn('create_hash', 'text', (c) => c.notNull())
          .addUniqueConstraint('sessions_org_id', ['org_id', 'id'])
          .execute();
        // One index per sort key, each led by org_id: every read is scoped to one organization.
        for (const [name, cols] of [
          ['sessions_started', ['org_id', 'started_at', 'pk']],
          ['sessions_ended', ['org_id', 'ended_at', 'pk']],
          ['sessions_duration', ['org_id', 'duration_ms', 'pk']],
          ['sessions_messages', ['org_id', 'message_count', 'pk']],
          ['sessions_status', ['org_id', 'status', 'started_at']],
          ['sessions_channel', ['org_id', 'channel', 'started_at']],
          ['sessions_agent', ['org_id', 'agent_id', 'started_at']],
          ['sessions_idle', ['status', 'last_activity_at']],
        ] as const) {
          await db.schema
            .createIndex(name)
            .on('sessions')
            .columns([...cols])
            .execute();
        }

        await pkColumn(db, 'messages', 'pk')
          .addColumn('session_pk', big, (c) => c.notNull().references('sessions.pk'))
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('seq', big, (c) => c.notNull())
          .addColumn('sender', 'text', (c) => c.notNull())
          .addColumn('content', 'text', (c) => c.notNull())
          .addColumn('timestamp', big, (c) => c.notNull())
          .addColumn('metadata', json, (c) => c.notNull())
          .addUniqueConstraint('messages_session_id', ['session_pk', 'id'])
          .addUniqueConstraint('messages_session_seq', ['session_pk', 'seq'])
          .execute();

        await pkColumn(db, 'session_events', 'pk')
          .addColumn('session_pk', big, (c) => c.notNull().references('sessions.pk'))
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('seq', big, (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('timestamp', big, (c) => c.notNull())
          .addColumn('data', json, (c) => c.notNull())
          .addUniqueConstraint('events_session_id', ['session_pk', 'id'])
          .addUniqueConstraint('events_session_seq', ['session_pk', 'seq'])
          .execute();

        if (pg) {
          await sql`ALTER TABLE messages ADD COLUMN tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED`.execute(
            db,
          );
          await sql`CREATE INDEX messages_tsv ON messages USING gin (tsv)`.execute(db);
        } else {
          await sql`CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='pk', tokenize='unicode61 remove_diacritics 2')`.execute(
            db,
          );
          await sql`CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts(rowid, content) VALUES (new.pk, new.content); END`.execute(db);
          await sql`CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.pk, old.content); END`.execute(
            db,
          );
        }

        // AUTOINCREMENT on SQLite: an outbox sequence number is never reused, even after deletes.
        await pkColumn(db, 'outbox', 'seq')
          .addColumn('org_id', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('session_id', 'text', (c) => c.notNull())
          .addColumn('occurred_at', big, (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('outbox_org_seq').on('outbox').columns(['org_id', 'seq']).execute();

        await db.schema
          .createTable('idempotency_keys')
          .addColumn('org_id', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('request_hash', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('response_status', 'integer')
          .addColumn('response_body', 'text')
          .addColumn('response_type', 'text')
          .addColumn('created_at', big, (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_keys_pk', ['org_id', 'key'])
          .execute();
        await db.schema.createIndex('idempotency_created').on('idempotency_keys').column('created_at').execute();

        await db.schema
          .createTable('dashboard_sessions')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('key_id', 'text', (c) => c.notNull().references('api_keys.id'))
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('expires_at', big, (c) => c.notNull())
          .execute();
      },
    },
    '0002_webhooks': {
      async up(db: Db) {
        await db.schema
          .createTable('webhooks')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('events', 'text', (c) => c.notNull())
          .addColumn('description', 'text', (c) => c.notNull())
          .addColumn('filters', 'text', (c) => c.notNull())
          .addColumn('secret', 'text', (c) => c.notNull())
          .addColumn('previous_secret', 'text')
          .addColumn('previous_secret_expires_at', big)
          .addColumn('enabled', 'integer', (c) => c.notNull())
          .addColumn('disabled_reason', 'text')
          .addColumn('after_seq', big, (c) => c.notNull())
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          .addColumn('first_failure_at', big)
          .execute();
        await db.schema.createIndex('webhooks_org').on('webhooks').columns(['org_id', 'created_at']).execute();

        await db.schema
          .createTable('webhook_deliveries')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
          .addColumn('org_id', 'text', (c) => c.notNull())
          .addColumn('event_id', 'text', (c) => c.notNull())
          .addColumn('event_seq', big)
          .addColumn('event_type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('round_start', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', big)
          .addColumn('claimed_until', big)
          .addColumn('claim_token', 'text')
          .addColumn('last_response_status', 'integer')
          .addColumn('last_error', 'text')
          .addColumn('created_at', big, (c) => c.notNull())
          .addColumn('updated_at', big, (c) => c.notNull())
          // One delivery per event and endpoint, however often the dispatcher is interrupted.
          .addUniqueConstraint('webhook_deliveries_event', ['webhook_id', 'event_id'])
          .execute();
        await db.schema
          .createIndex('webhook_deliveries_due')
          .on('webhook_deliveries')
          .columns(['status', 'next_attempt_at'])
          .execute();
        await db.schema
          .createIndex('webhook_deliveries_list')
          .on('webhook_deliveries')
          .columns(['webhook_id', 'id'])
          .execute();

        await db.schema
          .createTable('webhook_attempts')
          .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('at', big, (c) => c.notNull())
          .addColumn('response_status', 'integer')
          .addColumn('latency_ms', 'integer', (c) => c.notNull())
          .addColumn('error', 'text')
          .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'attempt'])
          .execute();

        await db.schema
          .createTable('webhook_cursor')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('last_seq', big, (c) => c.notNull())
          .execute();
        // Start after what is already in the outbox: events older than webhooks are not webhook traffic.
        await sql`INSERT INTO webhook_cursor (id, last_seq) SELECT 1, COALESCE(MAX(seq), 0) FROM outbox`.execute(db);
      },
    },
    '0003_rate_limits': {
      async up(db: Db) {
        // SQLite keeps its buckets in memory (one process serves it); PostgreSQL shares them
        // between processes. Unlogged: a bucket lost in a crash just starts full again.
        if (!pg) return;
        await sql`CREATE UNLOGGED TABLE rate_limit_buckets (
          key text PRIMARY KEY, tokens float8 NOT NULL, updated_at bigint NOT NULL)`.execute(db);
        // Refill and spend in one call: the upsert locks the row, so concurrent requests of one
        // key from any number of processes see each other's spending.
        await sql`CREATE FUNCTION sb_take_token(p_key text, p_capacity float8, p_rate float8, p_now bigint)
          RETURNS TABLE (allowed boolean, tokens float8) LANGUAGE plpgsql AS $fn$
          DECLARE t float8;
          BEGIN
            INSERT INTO rate_limit_buckets AS b (key, tokens, updated_at) VALUES (p_key, p_capacity, p_now)
            ON CONFLICT (key) DO UPDATE SET
              tokens = LEAST(p_capacity, b.tokens + GREATEST(0, p_now - b.updated_at) / 1000.0 * p_rate),
              updated_at = GREATEST(b.updated_at, p_now)
            RETURNING b.tokens INTO t;
            IF t >= 1 THEN
              UPDATE rate_limit_buckets SET tokens = t - 1 WHERE key = p_key;
              RETURN QUERY SELECT true, t - 1;
            ELSE
              RETURN QUERY SELECT false, t;
            END IF;
          END
          $fn$`.execute(db);
      },
    },
    '0004_session_counts': {
      async up(db: Db) {
        // Session counts per organization, channel, status and type, kept exact by triggers in
        // the writing transaction (DESIGN §8: unfiltered metrics in ≤ 10 ms at a million
        // sessions, which no scan can do). Triggers, not application code, so every path that
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
          await sql`CREATE TRIGGER session_counts_delete AFTER DELETE ON sessions BEGIN ${minus('old')} END`.execute(
            db,
          );
        }
        // Fresh statistics for the rebuilt indexes. With stale ones SQLite took a new index for
        // "org_id = ?" as selective and sorted every session for a first page (2.7 s at 100,000
        // rows, measured); with none or current ones it walks the sort index and stops at LIMIT.
        await sql`ANALYZE`.execute(db);
      },
    },
    '0005_filter_index_order': {
      async up(db: Db) {
        // 0004's widened indexes put the covered columns straight after started_at, so they no
        // longer gave rows in (started_at, pk) order: a first page of a rare status (40 active
        // sessions in a million) walked the whole started_at index instead (760 ms, measured).
        // pk right after started_at restores the sort order; the covered columns still follow.
        for (const [name, cols] of [
          ['sessions_status', ['org_id', 'status', 'started_at', 'pk', 'channel', 'type', 'agent_id']],
          ['sessions_channel', ['org_id', 'channel', 'started_at', 'pk', 'status', 'type', 'agent_id']],
          ['sessions_agent', ['org_id', 'agent_id', 'started_at', 'pk', 'channel', 'status', 'type']],
        ] as const) {
          await db.schema.dropIndex(name).execute();
          await db.schema
            .createIndex(name)
            .on('sessions')
            .columns([...cols])
            .execute();
        }
        await sql`ANALYZE`.execute(db);
      },
    },
    '0006_partitions': {
      async up(db: Db) {
        // A session's id is unique in its organization. PostgreSQL cannot enforce that across
        // partitions (a unique index must contain the partition key), so this small unpartitioned
        // table carries it, written in the session's own transaction: a duplicate is still a
        // unique violation (23505) where IngestService expects one. SQLite gets it too, so both
        // databases run one insert and one lookup; reads by id go through it to (pk, started_at),
        // which on PostgreSQL names the one month to look in.
        await db.schema
          .createTable('session_ids')
          .addColumn('org_id', 'text', (c) => c.notNull())
          .addColumn('id', 'text', (c) => c.notNull())
          .addColumn('pk', big, (c) => c.notNull())
          .addColumn('started_at', big, (c) => c.notNull())
          .addPrimaryKeyConstraint('session_ids_pk', ['org_id', 'id'])
          .execute();
        // Retention deletes a month's ids by range.
        await db.schema.createIndex('session_ids_started').on('session_ids').column('started_at').execute();
        await sql`INSERT INTO session_ids (org_id, id, pk, started_at) SELECT org_id, id, pk, started_at FROM sessions`.execute(
          db,
        );
        if (!pg) {
          // No partitions on SQLite, but the same column as PostgreSQL's partition key, so every
          // insert of a message or event is one query for both databases.
          for (const table of ['messages', 'session_events']) {
            await sql`ALTER TABLE ${sql.id(table)} ADD COLUMN session_started_at integer NOT NULL DEFAULT 0`.execute(
              db,
            );
            await sql`UPDATE ${sql.id(table)} SET session_started_at =
              (SELECT s.started_at FROM sessions s WHERE s.pk = ${sql.id(table)}.session_pk)`.execute(db);
          }
          await sql`ANALYZE`.execute(db);
          return;
        }
        await partitionPostgres(db);
      },
    },
    '0007_filter_indexes': {
      async up(db: Db) {
        await sessionMetadata(db, pg);
        await searchIndexes(db, pg);
        await sql`ANALYZE`.execute(db);
      },
    },
    '0008_session_keys': {
      async up(db: Db) {
        // search and transcript find session keys in their own indexes, then must check each
        // key's organization (and metrics its channel, status and type). This narrow index
        // answers that without reading the session rows, which are wide (metadata, search text):
        // counting 40,000 matches of a search took 124 ms through the rows and 25–52 ms through
        // this index at 100,000 sessions (SQLite, measured).
        await sql`CREATE INDEX sessions_keys ON sessions (pk, started_at, org_id, channel, status, type)`.execute(db);
        await sql`ANALYZE sessions`.execute(db);
      },
    },
    '0009_transcript_index': {
      async up(db: Db) {
        await (pg ? transcriptDocsPostgres(db) : transcriptIndexSqlite(db));
      },
    },
    '0010_session_search': {
      async up(db: Db) {
        // SQLite's trigram index (FTS5, 0007) holds the text apart from the rows already.
        if (pg) await sessionSearchPostgres(db);
      },
    },
  };
}

/**
 * 0010, `search` on PostgreSQL (DESIGN §8: 200 ms at a million sessions). The trigram index of
 * 0007 is on the sessions themselves, so every match of a common term had its wide row read for
 * the LIKE recheck and the organization (~44,000 heap pages for `ap-south-1`). This narrow copy —
 * organization, key, channel, status, type and the search text, one row per session, partitioned
 * by month like sessions — holds the trigram index instead; a count or metrics of a search read
 * it and never the sessions (a count of 60,000 matches: 400 → 150 ms, statement alone). Row
 * triggers on sessions keep it in the writing transaction: create, a change of the search text
 * (a metadata merge), of the status (an end, the idle sweep), delete.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that do not exist yet.
async function sessionSearchPostgres(db: Kysely<any>) {
  await sql`CREATE TABLE session_search (org_id text NOT NULL, session_pk bigint NOT NULL, started_at bigint NOT NULL,
    channel text NOT NULL, status text NOT NULL, type text NOT NULL, search_text text NOT NULL)
    PARTITION BY RANGE (started_at)`.execute(db);
  for (const m of await listMonths(db)) await createMonthIn(db, m);
  await sql`INSERT INTO session_search (org_id, session_pk, started_at, channel, status, type, search_text)
    SELECT org_id, pk, started_at, channel, status, type, search_text FROM sessions`.execute(db);
  await sql`CREATE INDEX session_search_key ON session_search (session_pk, started_at)`.execute(db);
  const { rows } = await sql<{ schema: string }>`SELECT n.nspname AS schema FROM pg_extension e
    JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`.execute(db);
  if (rows[0]) {
    const ops = sql.raw(`"${rows[0].schema.replace(/"/g, '""')}".gin_trgm_ops`);
    await sql`CREATE INDEX session_search_trgm ON session_search USING gin (search_text ${ops})`.execute(db);
    // The sessions' own trigram index has nothing left to answer.
    await sql`DROP INDEX IF EXISTS sessions_search_trgm`.execute(db);
  }
  await sql`CREATE FUNCTION sb_session_search() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        INSERT INTO session_search (org_id, session_pk, started_at, channel, status, type, search_text)
          VALUES (NEW.org_id, NEW.pk, NEW.started_at, NEW.channel, NEW.status, NEW.type, NEW.search_text);
      ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM session_search WHERE session_pk = OLD.pk AND started_at = OLD.started_at;
      ELSE
        UPDATE session_search SET channel = NEW.channel, status = NEW.status, type = NEW.type,
          search_text = NEW.search_text WHERE session_pk = NEW.pk AND started_at = NEW.started_at;
      END IF;
      RETURN NULL;
    END
    $fn$`.execute(db);
  await sql`CREATE TRIGGER session_search_insert AFTER INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION sb_session_search()`.execute(db);
  await sql`CREATE TRIGGER session_search_update AFTER UPDATE OF search_text, channel, status, type ON sessions
    FOR EACH ROW WHEN ((OLD.search_text, OLD.channel, OLD.status, OLD.type)
      IS DISTINCT FROM (NEW.search_text, NEW.channel, NEW.status, NEW.type))
    EXECUTE FUNCTION sb_session_search()`.execute(db);
  await sql`CREATE TRIGGER session_search_delete AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION sb_session_search()`.execute(db);
  await sql`ANALYZE session_search`.execute(db);
}

/**
 * 0009, `transcript` on PostgreSQL. The GIN index of each message's tsvector found the matching
 * messages at once, but each had to be read from the messages heap (wide rows: content,
 * metadata, the tsvector) for its session: 60,000 heap pages for a word in 81,000 of 5.4 million
 * messages. Here the words go into one document per session and insert statement — what one
 * request appends to one session, written by a statement-level trigger from the statement's
 * transition table — carrying the organization and the session's key. A word in 81,000 messages
 * is then in ~63,000 documents of ~1 million narrow rows. Every word of a session is in some
 * document of that session, so "all words occur in the session" is one lookup per word, as
 * before. Partitioned by month like messages (partitions.ts creates and drops it with them);
 * deleting a session's messages deletes its documents.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that do not exist yet.
async function transcriptDocsPostgres(db: Kysely<any>) {
  await sql`CREATE TABLE transcript_docs (org_id text NOT NULL, session_pk bigint NOT NULL,
    session_started_at bigint NOT NULL, tsv tsvector NOT NULL) PARTITION BY RANGE (session_started_at)`.execute(db);
  // The new partitioned table gets a partition for every month sessions have one for.
  for (const m of await listMonths(db)) await createMonthIn(db, m);
  await sql`INSERT INTO transcript_docs (org_id, session_pk, session_started_at, tsv)
    SELECT s.org_id, m.session_pk, m.session_started_at, to_tsvector('simple', string_agg(m.content, ' ' ORDER BY m.seq))
    FROM messages m JOIN sessions s ON s.pk = m.session_pk AND s.started_at = m.session_started_at
    GROUP BY s.org_id, m.session_pk, m.session_started_at`.execute(db);
  await sql`CREATE INDEX transcript_docs_tsv ON transcript_docs USING gin (tsv)`.execute(db);
  await sql`CREATE INDEX transcript_docs_session ON transcript_docs (session_pk, session_started_at)`.execute(db);
  await sql`CREATE FUNCTION sb_transcript_docs_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    INSERT INTO transcript_docs (org_id, session_pk, session_started_at, tsv)
      SELECT s.org_id, n.session_pk, n.session_started_at, n.tsv
      FROM (SELECT session_pk, session_started_at, to_tsvector('simple', string_agg(content, ' ' ORDER BY seq)) AS tsv
        FROM new_messages GROUP BY session_pk, session_started_at) n
      JOIN sessions s ON s.pk = n.session_pk AND s.started_at = n.session_started_at;
    RETURN NULL; END $$`.execute(db);
  await sql`CREATE TRIGGER transcript_docs_insert AFTER INSERT ON messages REFERENCING NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION sb_transcript_docs_insert()`.execute(db);
  // Messages are deleted only with their session (retention), so a session losing messages loses its documents.
  await sql`CREATE FUNCTION sb_transcript_docs_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    DELETE FROM transcript_docs d USING (SELECT DISTINCT session_pk, session_started_at FROM old_messages) o
      WHERE d.session_pk = o.session_pk AND d.session_started_at = o.session_started_at;
    RETURN NULL; END $$`.execute(db);
  await sql`CREATE TRIGGER transcript_docs_delete AFTER DELETE ON messages REFERENCING OLD TABLE AS old_messages
    FOR EACH STATEMENT EXECUTE FUNCTION sb_transcript_docs_delete()`.execute(db);
  // The per-message tsvector and its index go (a dropped column is not rewritten).
  await sql`ALTER TABLE messages DROP COLUMN tsv`.execute(db);
  await sql`ANALYZE transcript_docs`.execute(db);
}

/**
 * 0009, `transcript` on SQLite (DESIGN §8: 100 ms at a million sessions). The FTS5 index of
 * messages was keyed by the message's pk, so every matching message had to be looked up in
 * `messages` for its session: a word in 80,000 of 5.4 million messages cost 600 ms, nearly all of
 * it in those lookups (the index itself counts them in 2 ms). The rowid of this index is the
 * session's pk and the message's seq, `session_pk << 32 | seq`, so `rowid >> 32` is the session
 * with no lookup, and the keys come out in session order. Contentless (the text is in
 * `messages`) with `contentless_delete`, so a message's entry goes when the message does.
 * The SQLite store's bounds this sets — 2^31 sessions, 2^32 messages in one session — are far
 * past what one SQLite file holds; a write beyond them is refused, never indexed wrongly.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that do not exist yet.
async function transcriptIndexSqlite(db: Kysely<any>) {
  await sql`DROP TRIGGER messages_fts_insert`.execute(db);
  await sql`DROP TRIGGER messages_fts_delete`.execute(db);
  await sql`DROP TABLE messages_fts`.execute(db);
  await sql`CREATE VIRTUAL TABLE transcript_fts USING fts5(content, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 2')`.execute(db);
  await sql`INSERT INTO transcript_fts(rowid, content) SELECT (session_pk << 32) | seq, content FROM messages`.execute(
    db,
  );
  await sql`CREATE TRIGGER transcript_fts_insert AFTER INSERT ON messages BEGIN
    SELECT RAISE(ABORT, 'transcript index: session pk or message seq out of range')
      WHERE new.session_pk >= 2147483648 OR new.seq >= 4294967296 OR new.seq < 0;
    INSERT INTO transcript_fts(rowid, content) VALUES ((new.session_pk << 32) | new.seq, new.content); END`.execute(db);
  await sql`CREATE TRIGGER transcript_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM transcript_fts WHERE rowid = (old.session_pk << 32) | old.seq; END`.execute(db);
  await sql`INSERT INTO transcript_fts(transcript_fts) VALUES ('optimize')`.execute(db);
}

/**
 * 0007, `metadata.<key>=value` (DESIGN §8: a first page with its exact total in 25 ms at a
 * million sessions). One row per session and key, with the value as the filter compares it
 * (the same text today's JSON lookup produced: a number's text, `true`, `false`, `null`), and the
 * session's filter columns, so a count or the metrics of one metadata value are a range of one
 * covering index, never a read of the sessions. Triggers keep it: every path that writes a
 * session's metadata or status (create, PATCH, batch items, the idle sweep, the demo generator,
 * retention's deletes) changes it in the same transaction without knowing it exists. The JSON
 * column stays the source of the API object, since it keeps the client's key order.
 * On PostgreSQL it is partitioned by month like sessions (partitions.ts makes and drops it with them).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that do not exist yet.
async function sessionMetadata(db: Kysely<any>, pg: boolean) {
  const columns = sql.raw(`org_id text NOT NULL, key text NOT NULL, value text NOT NULL,
    started_at ${pg ? 'bigint' : 'integer'} NOT NULL, session_pk ${pg ? 'bigint' : 'integer'} NOT NULL,
    channel text NOT NULL, status text NOT NULL, type text NOT NULL, agent_id text NOT NULL`);
  if (pg) {
    await sql`CREATE TABLE session_metadata (${columns}) PARTITION BY RANGE (started_at)`.execute(db);
    // The new partitioned table gets a partition for every month sessions have one for.
    for (const m of await listMonths(db)) await createMonthIn(db, m);
  } else await sql`CREATE TABLE session_metadata (${columns})`.execute(db);
  // Equality on (org_id, key, value), then started_at: a first page walks it in order, a count
  // or the metrics read it alone (the filter columns follow), and a trigger finds a row by its
  // full key.
  await sql`CREATE INDEX session_metadata_value ON session_metadata
    (org_id, key, value, started_at, session_pk, channel, status, type, agent_id)`.execute(db);

  // The value's text, exactly as the JSON filter compared it before this table existed.
  const text = pg
    ? (j: string) => `CASE json_typeof(${j}.value) WHEN 'string' THEN ${j}.value #>> '{}' ELSE ${j}.value::text END`
    : (j: string) => `CASE ${j}.type WHEN 'text' THEN ${j}.value WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
        WHEN 'null' THEN 'null' ELSE CAST(${j}.value AS TEXT) END`;
  const insertOf = (r: string) =>
    `INSERT INTO session_metadata (org_id, key, value, started_at, session_pk, channel, status, type, agent_id)
      SELECT ${r}.org_id, j.key, ${text('j')}, ${r}.started_at, ${r}.pk, ${r}.channel, ${r}.status, ${r}.type, ${r}.agent_id
      FROM json_each(${r}.metadata) j;`;
  // By the full index key, per key of the old metadata: an index seek each, no extra index.
  const deleteOf = (r: string) =>
    pg
      ? `DELETE FROM session_metadata m USING json_each(${r}.metadata) j
          WHERE m.org_id = ${r}.org_id AND m.key = j.key AND m.value = ${text('j')}
            AND m.started_at = ${r}.started_at AND m.session_pk = ${r}.pk;`
      : `DELETE FROM session_metadata WHERE org_id = ${r}.org_id AND started_at = ${r}.started_at
          AND session_pk = ${r}.pk AND (key, value) IN (SELECT j.key, ${text('j')} FROM json_each(${r}.metadata) j);`;
  const statusOf = (r: string) =>
    pg
      ? `UPDATE session_metadata m SET status = ${r}.status FROM json_each(${r}.metadata) j
          WHERE m.org_id = ${r}.org_id AND m.key = j.key AND m.value = ${text('j')}
            AND m.started_at = ${r}.started_at AND m.session_pk = ${r}.pk;`
      : `UPDATE session_metadata SET status = ${r}.status WHERE org_id = ${r}.org_id AND started_at = ${r}.started_at
          AND session_pk = ${r}.pk AND (key, value) IN (SELECT j.key, ${text('j')} FROM json_each(${r}.metadata) j);`;

  await sql
    .raw(insertOf('s').replace('FROM json_each(s.metadata) j;', 'FROM sessions s, json_each(s.metadata) j'))
    .execute(db);

  // Exact counts per metadata value and channel, status and type, as session_counts does for
  // the whole organization: metrics and the total of one metadata value (a third of a million
  // sessions for a common one) become a sum over at most 72 rows.
  await sql
    .raw(`CREATE TABLE session_metadata_counts (org_id text NOT NULL, key text NOT NULL, value text NOT NULL,
    channel text NOT NULL, status text NOT NULL, type text NOT NULL, n ${pg ? 'bigint' : 'integer'} NOT NULL,
    PRIMARY KEY (org_id, key, value, channel, status, type))`)
    .execute(db);
  await sql`INSERT INTO session_metadata_counts (org_id, key, value, channel, status, type, n)
    SELECT org_id, key, value, channel, status, type, count(*) FROM session_metadata
    GROUP BY org_id, key, value, channel, status, type`.execute(db);
  const cols = (r: string) => `${r}.org_id, ${r}.key, ${r}.value, ${r}.channel, ${r}.status, ${r}.type`;
  const plus = (
    r: string,
  ) => `INSERT INTO session_metadata_counts ${pg ? 'AS c ' : ''}(org_id, key, value, channel, status, type, n)
    VALUES (${cols(r)}, 1) ON CONFLICT (org_id, key, value, channel, status, type) DO UPDATE SET n = ${pg ? 'c.' : ''}n + 1;`;
  const minus = (
    r: string,
  ) => `UPDATE session_metadata_counts SET n = n - 1 WHERE org_id = ${r}.org_id AND key = ${r}.key
    AND value = ${r}.value AND channel = ${r}.channel AND status = ${r}.status AND type = ${r}.type;`;
  if (pg) {
    // Deferred to commit and behind session_counts' advisory lock, for the reasons given there
    // (0004): no deadlocks between batches, counter rows locked only while committing.
    await sql
      .raw(`CREATE FUNCTION sb_session_metadata_counts() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        PERFORM pg_advisory_xact_lock(7245012);
        IF TG_OP IN ('UPDATE', 'DELETE') THEN ${minus('OLD')} END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN ${plus('NEW')} END IF;
        RETURN NULL;
      END
      $fn$`)
      .execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_metadata_counts_insert AFTER INSERT ON session_metadata
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_metadata_counts()`.execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_metadata_counts_update AFTER UPDATE OF status ON session_metadata
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
      EXECUTE FUNCTION sb_session_metadata_counts()`.execute(db);
    await sql`CREATE CONSTRAINT TRIGGER session_metadata_counts_delete AFTER DELETE ON session_metadata
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_metadata_counts()`.execute(db);
  } else {
    await sql
      .raw(`CREATE TRIGGER session_metadata_counts_insert AFTER INSERT ON session_metadata BEGIN ${plus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_counts_update AFTER UPDATE OF status ON session_metadata
        WHEN old.status IS NOT new.status BEGIN ${minus('old')} ${plus('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_counts_delete AFTER DELETE ON session_metadata BEGIN ${minus('old')} END`)
      .execute(db);
  }
  if (pg) {
    await sql
      .raw(`CREATE FUNCTION sb_session_metadata() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'INSERT' THEN ${insertOf('NEW')}
        ELSIF TG_OP = 'DELETE' THEN ${deleteOf('OLD')}
        ELSIF OLD.metadata::text IS DISTINCT FROM NEW.metadata::text THEN ${deleteOf('OLD')} ${insertOf('NEW')}
        ELSE ${statusOf('NEW')}
        END IF;
        RETURN NULL;
      END
      $fn$`)
      .execute(db);
    await sql`CREATE TRIGGER session_metadata_insert AFTER INSERT ON sessions
      FOR EACH ROW EXECUTE FUNCTION sb_session_metadata()`.execute(db);
    await sql`CREATE TRIGGER session_metadata_update AFTER UPDATE OF metadata, status ON sessions FOR EACH ROW
      WHEN (OLD.metadata::text IS DISTINCT FROM NEW.metadata::text OR OLD.status IS DISTINCT FROM NEW.status)
      EXECUTE FUNCTION sb_session_metadata()`.execute(db);
    await sql`CREATE TRIGGER session_metadata_delete AFTER DELETE ON sessions
      FOR EACH ROW EXECUTE FUNCTION sb_session_metadata()`.execute(db);
  } else {
    await sql
      .raw(`CREATE TRIGGER session_metadata_insert AFTER INSERT ON sessions BEGIN ${insertOf('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_update AFTER UPDATE OF metadata ON sessions
        WHEN old.metadata IS NOT new.metadata BEGIN ${deleteOf('old')} ${insertOf('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_status AFTER UPDATE OF status ON sessions
        WHEN old.status IS NOT new.status AND old.metadata IS new.metadata BEGIN ${statusOf('new')} END`)
      .execute(db);
    await sql
      .raw(`CREATE TRIGGER session_metadata_delete AFTER DELETE ON sessions BEGIN ${deleteOf('old')} END`)
      .execute(db);
  }
}

/**
 * 0006 on PostgreSQL: sessions partitioned by month of started_at; messages and events by month
 * of their session's started_at (copied into session_started_at), so a month of sessions and its
 * transcripts are one unit to drop. The tables are rebuilt and their rows copied; every index of
 * 0001–0005 comes back on the parent (and so on every partition) in the same column order, the
 * tsvector column and the session_counts triggers too.
 *
 * Foreign keys from messages and events to sessions are not recreated. A key to a partitioned
 * table costs a lookup through the partition tree per inserted row, and makes dropping a month
 * a detach with a scan of every remaining transcript for references. What they guarded is kept
 * by the store instead: a message or event is written only in the transaction that found and
 * row-locked its session, and retention removes a month's sessions, messages and events in one
 * transaction. The primary keys now include the partition key, as PostgreSQL requires; pk
 * values are kept (a plain sequence, set past the largest, replaces the identity column).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that do not exist yet.
async function partitionPostgres(db: Kysely<any>) {
  for (const t of ['sessions', 'messages', 'session_events'])
    await sql`ALTER TABLE ${sql.id(t)} RENAME TO ${sql.id(`${t}_0005`)}`.execute(db);
  await sql`CREATE TABLE sessions (
    pk bigint NOT NULL,
    org_id text NOT NULL REFERENCES organizations (id),
    id text NOT NULL,
    agent_id text NOT NULL,
    channel text NOT NULL,
    type text NOT NULL,
    status text NOT NULL,
    started_at bigint NOT NULL,
    ended_at bigint,
    duration_ms bigint,
    message_count bigint NOT NULL DEFAULT 0,
    event_count bigint NOT NULL DEFAULT 0,
    ended_reason text,
    last_activity_at bigint NOT NULL,
    metadata json NOT NULL,
    search_text text NOT NULL,
    create_hash text NOT NULL
  ) PARTITION BY RANGE (started_at)`.execute(db);
  await sql`CREATE TABLE messages (
    pk bigint NOT NULL,
    session_pk bigint NOT NULL,
    session_started_at bigint NOT NULL,
    id text NOT NULL,
    seq bigint NOT NULL,
    sender text NOT NULL,
    content text NOT NULL,
    timestamp bigint NOT NULL,
    metadata json NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED
  ) PARTITION BY RANGE (session_started_at)`.execute(db);
  await sql`CREATE TABLE session_events (
    pk bigint NOT NULL,
    session_pk bigint NOT NULL,
    session_started_at bigint NOT NULL,
    id text NOT NULL,
    seq bigint NOT NULL,
    type text NOT NULL,
    timestamp bigint NOT NULL,
    data json NOT NULL
  ) PARTITION BY RANGE (session_started_at)`.execute(db);

  // One partition per month that has sessions (distinct days keep the read small), plus this
  // month and the next, so the first writes after the upgrade find theirs.
  const { rows } = await sql<{ day: number }>`SELECT DISTINCT floor(started_at / 86400000.0)::bigint AS day
    FROM sessions_0005`.execute(db);
  const months = new Map<string, Month>();
  for (const t of [
    ...rows.map((r) => Number(r.day) * 86_400_000),
    Date.now(),
    monthStart(addMonths(monthOf(Date.now()), 1)),
  ]) {
    const m = monthOf(t);
    months.set(monthSuffix(m), m);
  }
  for (const m of months.values()) await createMonthIn(db, m);

  await sql`INSERT INTO sessions SELECT pk, org_id, id, agent_id, channel, type, status, started_at, ended_at,
    duration_ms, message_count, event_count, ended_reason, last_activity_at, metadata, search_text, create_hash
    FROM sessions_0005`.execute(db);
  await sql`INSERT INTO messages (pk, session_pk, session_started_at, id, seq, sender, content, timestamp, metadata)
    SELECT m.pk, m.session_pk, s.started_at, m.id, m.seq, m.sender, m.content, m.timestamp, m.metadata
    FROM messages_0005 m JOIN sessions_0005 s ON s.pk = m.session_pk`.execute(db);
  await sql`INSERT INTO session_events (pk, session_pk, session_started_at, id, seq, type, timestamp, data)
    SELECT e.pk, e.session_pk, s.started_at, e.id, e.seq, e.type, e.timestamp, e.data
    FROM session_events_0005 e JOIN sessions_0005 s ON s.pk = e.session_pk`.execute(db);
  // Dropping the old tables frees their index and constraint names (and their identity
  // sequences' names) for the new ones; their session_counts triggers go with them.
  await sql`DROP TABLE messages_0005, session_events_0005, sessions_0005`.execute(db);

  for (const t of ['sessions', 'messages', 'session_events']) {
    const seq = `${t}_pk_seq`;
    await sql`CREATE SEQUENCE ${sql.id(seq)} OWNED BY ${sql.id(t)}.pk`.execute(db);
    await sql`SELECT setval(${seq}, COALESCE((SELECT max(pk) FROM ${sql.id(t)}), 0) + 1, false)`.execute(db);
    await sql`ALTER TABLE ${sql.id(t)} ALTER COLUMN pk SET DEFAULT nextval(${sql.lit(seq)}::regclass)`.execute(db);
  }
  await sql`ALTER TABLE sessions ADD CONSTRAINT sessions_pkey PRIMARY KEY (pk, started_at)`.execute(db);
  await sql`ALTER TABLE messages ADD CONSTRAINT messages_pkey PRIMARY KEY (pk, session_started_at),
    ADD CONSTRAINT messages_session_id UNIQUE (session_pk, session_started_at, id),
    ADD CONSTRAINT messages_session_seq UNIQUE (session_pk, session_started_at, seq)`.execute(db);
  await sql`ALTER TABLE session_events ADD CONSTRAINT session_events_pkey PRIMARY KEY (pk, session_started_at),
    ADD CONSTRAINT events_session_id UNIQUE (session_pk, session_started_at, id),
    ADD CONSTRAINT events_session_seq UNIQUE (session_pk, session_started_at, seq)`.execute(db);
  // The index set of 0001, 0004 and 0005 in their final column orders, less (org_id, id),
  // whose uniqueness session_ids now keeps and whose lookups it now serves.
  for (const [name, cols] of [
    ['sessions_started', ['org_id', 'started_at', 'pk']],
    ['sessions_ended', ['org_id', 'ended_at', 'pk']],
    ['sessions_duration', ['org_id', 'duration_ms', 'pk']],
    ['sessions_messages', ['org_id', 'message_count', 'pk']],
    ['sessions_status', ['org_id', 'status', 'started_at', 'pk', 'channel', 'type', 'agent_id']],
    ['sessions_channel', ['org_id', 'channel', 'started_at', 'pk', 'status', 'type', 'agent_id']],
    ['sessions_agent', ['org_id', 'agent_id', 'started_at', 'pk', 'channel', 'status', 'type']],
    ['sessions_idle', ['status', 'last_activity_at']],
  ] as const)
    await db.schema
      .createIndex(name)
      .on('sessions')
      .columns([...cols])
      .execute();
  await sql`CREATE INDEX messages_tsv ON messages USING gin (tsv)`.execute(db);
  // 0004's triggers, on the partitioned table (PostgreSQL clones them onto every partition,
  // present and future). A dropped partition fires nothing: retention subtracts its counts.
  await sql`CREATE CONSTRAINT TRIGGER session_counts_insert AFTER INSERT ON sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_counts()`.execute(db);
  await sql`CREATE CONSTRAINT TRIGGER session_counts_update AFTER UPDATE OF org_id, channel, status, type ON sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.org_id, OLD.channel, OLD.status, OLD.type) IS DISTINCT FROM (NEW.org_id, NEW.channel, NEW.status, NEW.type))
    EXECUTE FUNCTION sb_session_counts()`.execute(db);
  await sql`CREATE CONSTRAINT TRIGGER session_counts_delete AFTER DELETE ON sessions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sb_session_counts()`.execute(db);
  await sql`ANALYZE`.execute(db);
}

/**
 * 0007, `search` (DESIGN §8: 100 ms at a million sessions). Each of its three branches gets an
 * index: the id prefix an index on lower(id); the substring of search_text a trigram index —
 * FTS5 `trigram` on SQLite (case-sensitive: both sides are lower-cased already, and then a
 * phrase of trigrams is exactly a substring), `pg_trgm` GIN on PostgreSQL. Where pg_trgm cannot
 * be created (not installed, no privilege) the migration still succeeds and PostgreSQL scans as
 * before: the query is the same LIKE either way. The agent-name branch reads the agents table.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that do not exist yet.
async function searchIndexes(db: Kysely<any>, pg: boolean) {
  if (!pg) {
    await sql`CREATE INDEX sessions_lower_id ON sessions (org_id, lower(id))`.execute(db);
    await sql`CREATE VIRTUAL TABLE sessions_search USING fts5(search_text, content='sessions', content_rowid='pk',
      tokenize='trigram case_sensitive 1')`.execute(db);
    await sql`INSERT INTO sessions_search(sessions_search) VALUES ('rebuild')`.execute(db);
    await sql`CREATE TRIGGER sessions_search_insert AFTER INSERT ON sessions BEGIN
      INSERT INTO sessions_search(rowid, search_text) VALUES (new.pk, new.search_text); END`.execute(db);
    await sql`CREATE TRIGGER sessions_search_update AFTER UPDATE OF search_text ON sessions
      WHEN old.search_text IS NOT new.search_text BEGIN
      INSERT INTO sessions_search(sessions_search, rowid, search_text) VALUES ('delete', old.pk, old.search_text);
      INSERT INTO sessions_search(rowid, search_text) VALUES (new.pk, new.search_text); END`.execute(db);
    await sql`CREATE TRIGGER sessions_search_delete AFTER DELETE ON sessions BEGIN
      INSERT INTO sessions_search(sessions_search, rowid, search_text) VALUES ('delete', old.pk, old.search_text); END`.execute(
      db,
    );
    return;
  }
  // text_pattern_ops: a LIKE 'prefix%' becomes an index range whatever the database's collation.
  await sql`CREATE INDEX sessions_lower_id ON sessions (org_id, lower(id) text_pattern_ops)`.execute(db);
  await sql`SAVEPOINT pg_trgm`.execute(db);
  try {
    await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
    await sql`RELEASE SAVEPOINT pg_trgm`.execute(db);
  } catch {
    await sql`ROLLBACK TO SAVEPOINT pg_trgm`.execute(db);
    return;
  }
  // Qualified by the extension's schema, which need not be on the search_path.
  const { rows } = await sql<{ schema: string }>`SELECT n.nspname AS schema FROM pg_extension e
    JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`.execute(db);
  const ops = sql.raw(`"${rows[0].schema.replace(/"/g, '""')}".gin_trgm_ops`);
  await sql`CREATE INDEX sessions_search_trgm ON sessions USING gin (search_text ${ops})`.execute(db);
}

/** Runs every pending migration, or those up to `upTo` (tests of an upgrade from an older schema). */
export async function migrate(store: Store, upTo?: string): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations(store.dialect) },
    migrationTableName: 'switchboard_migrations',
    migrationLockTableName: 'switchboard_migrations_lock',
  });
  const { error, results } = await (upTo ? migrator.migrateTo(upTo) : migrator.migrateToLatest());
  if (error) throw error instanceof Error ? error : new Error(String(error));
  // Every start makes this month's and next month's partitions, so the turn of a month never
  // waits for DDL; any other month is made when a write first needs it.
  const now = Date.now();
  await ensureMonths(store, [now, monthStart(addMonths(monthOf(now), 1))]);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
