/**
 * 0014, indexes for the figures a dashboard sorts and filters the session list by (budget: a
 * first page with its exact total in 25 ms at a million sessions, docs/PERFORMANCE.md):
 *
 * - `(org_id, cost_nanos, pk)`: `sort=-costUsd` walks it; `costUsd[gt]=x` is a range of it (the
 *   costly sessions are few: 35 of 100,000 above $0.50 in the benchmark's data);
 * - `(org_id, first_response_ms, pk)`: `sort=-firstResponseMs` (the slowest first). On
 *   PostgreSQL in that order with nulls last, as page.ts asks for it: a backward walk of an
 *   ascending index gives nulls first, and the sort would read every session;
 * - `(org_id, errors, started_at, pk)` and `(org_id, handoffs, started_at, pk)`: the total of
 *   `errors[gte]=1` / `handoffs[gte]=1` ("has errors", "has handoffs", 9 % and 12 % of sessions)
 *   is a range of the index, not a read of every session.
 *
 * What they cost at ingest: on SQLite an index is written only when its columns change — cost
 * on an agent reply that reports usage, the first response once per session, errors and
 * handoffs rarely. On PostgreSQL a session update is not HOT already (message_count is indexed
 * since 0001), so every update writes an entry in every index of the session: four more.
 * Measured in docs/PERFORMANCE.md.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import type { MigrationDb } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const pg = dialect === 'postgres';
  await sql`CREATE INDEX sessions_cost ON sessions (org_id, cost_nanos, pk)`.execute(db);
  await sql
    .raw(
      pg
        ? 'CREATE INDEX sessions_first_response ON sessions (org_id, first_response_ms DESC NULLS LAST, pk DESC)'
        : 'CREATE INDEX sessions_first_response ON sessions (org_id, first_response_ms, pk)',
    )
    .execute(db);
  await sql`CREATE INDEX sessions_errors ON sessions (org_id, errors, started_at, pk)`.execute(db);
  await sql`CREATE INDEX sessions_handoffs ON sessions (org_id, handoffs, started_at, pk)`.execute(db);
  await sql`ANALYZE sessions`.execute(db);
}
