/**
 * 0028, the "Needs review" view (`problems=true&reviewed=false`, every organization's first saved
 * view) as an index: the organization's sessions that failed or had an error and are not reviewed
 * yet, in start order. Its first page and total used to read every session of the organization
 * (400 ms at 100,000 sessions, docs/PERFORMANCE.md); the page now walks this index to its 50th
 * entry and the total counts its entries alone, never the wide rows. A session leaves the index
 * when it is marked reviewed and comes back when the mark is cleared; the filter writes the same
 * condition literally (store/filters.ts `NEEDS_REVIEW`) so both planners see the index applies.
 *
 * What it costs at ingest: an entry for a session that fails or reports an error (about one in
 * ten in the benchmark's data), written when that happens; nothing for the others.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import type { MigrationDb } from './columns.js';

/** The index's condition, as store/filters.ts writes `problems=true&reviewed=false`. */
export const NEEDS_REVIEW_WHERE = "reviewed_at IS NULL AND (status = 'failed' OR errors > 0)";

export async function up(db: MigrationDb, _dialect: DialectName) {
  await sql
    .raw(`CREATE INDEX sessions_needs_review ON sessions (org_id, started_at, pk) WHERE ${NEEDS_REVIEW_WHERE}`)
    .execute(db);
  await sql`ANALYZE sessions`.execute(db);
}
