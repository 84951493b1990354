/**
 * 0017, event ids per organization. Until now the outbox's `seq`, one sequence for every
 * organization, was also the event id the API shows (the stream's `id:`, the webhook's
 * `webhook-id`), so an organization saw gaps where others wrote and could read everyone's volume
 * off its own ids. From here each organization numbers its own events (`org_seq`, handed out from
 * `outbox_org_seqs` in the writing transaction); `seq` stays, unseen by clients, as the order of
 * commits that the live stream and the webhook dispatcher read across organizations.
 *
 * Events stored before keep the id they were shown with (`org_seq = seq`), and every organization
 * that exists now continues from the highest id handed out so far. A client's Last-Event-ID and a
 * webhook receiver's store of seen `webhook-id`s therefore keep meaning exactly what they meant:
 * renumbering from 1 would give new events ids that receivers have already seen (and drop them as
 * duplicates) and make stored Last-Event-IDs point past the end. What the old ids show about other
 * organizations is what those ids already showed before the upgrade; nothing written after it
 * shows anything. A new organization's ids start at 1.
 */
import { sql } from 'kysely';
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb, type MigrationLog } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName, log: MigrationLog) {
  const { pg, big } = columnTypes(dialect);
  await sql
    .raw(
      `CREATE TABLE outbox_org_seqs (org_id text PRIMARY KEY, last_org_seq ${big} NOT NULL)${pg ? '' : ' WITHOUT ROWID'}`,
    )
    .execute(db);
  const { rows } = await sql<{
    n: number;
    top: number | null;
  }>`SELECT count(*) AS n, max(seq) AS top FROM outbox`.execute(db);
  const top = Number(rows[0]?.top ?? 0);
  if (top > 0) log(`0017: keeping the ids of ${Number(rows[0].n)} stored events`);
  // Only replay within an organization used (org_id, seq); it now reads by (org_id, org_seq),
  // made below. Dropped first, so the rewrite does not rebuild it.
  await db.schema.dropIndex('outbox_org_seq').execute();
  // Stored events keep their ids: org_seq = seq. On PostgreSQL an UPDATE of every row would leave
  // a dead copy of each and insert into every index row by row (51 s for a million rows, measured);
  // a change of type with USING rewrites the table once and rebuilds its indexes in bulk (12 s).
  if (pg) {
    await sql`ALTER TABLE outbox ADD COLUMN org_seq bigint`.execute(db);
    await sql`ALTER TABLE outbox ALTER COLUMN org_seq TYPE bigint USING seq, ALTER COLUMN org_seq SET NOT NULL`.execute(
      db,
    );
  } else {
    // SQLite cannot drop a column's default: every insert names its number anyway.
    await sql.raw(`ALTER TABLE outbox ADD COLUMN org_seq ${big} NOT NULL DEFAULT 0`).execute(db);
    await sql`UPDATE outbox SET org_seq = seq`.execute(db);
  }
  if (top > 0)
    await sql`INSERT INTO outbox_org_seqs (org_id, last_org_seq) SELECT id, ${top} FROM organizations`.execute(db);
  // Replay within an organization reads by its own number; the index being unique also guards
  // against two events of one organization ever sharing an id.
  await db.schema.createIndex('outbox_org_org_seq').unique().on('outbox').columns(['org_id', 'org_seq']).execute();
}
