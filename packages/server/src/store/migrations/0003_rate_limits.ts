/** PostgreSQL's shared rate-limit buckets (plugins/rate-limit.ts spends them). */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { pg } = columnTypes(dialect);
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
}
