/**
 * Schema migrations, run on every start and by `switchboard migrate`. Kysely's migrator takes a
 * lock first (an advisory lock on PostgreSQL), so several processes starting at once are safe.
 * Where the dialects differ (identity columns, full-text search) the branch is here, nowhere else.
 */
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import type { DialectName, Store } from './db.js';

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
  };
}

export async function migrate(store: Store): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrations(store.dialect) },
    migrationTableName: 'switchboard_migrations',
    migrationLockTableName: 'switchboard_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
