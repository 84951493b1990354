/**
 * 0022, review (docs/REVIEW.md): a session's tags, scores and reviewed mark on its row (what every
 * read returns), and beside it the tables the filters read by index — session_tags and
 * session_scores, keyed like a page is read (organization, tag or score, start time) — the notes,
 * the organization's saved views (each organization gets the "Needs review" view), and the
 * generic background jobs with their snapshotted items.
 */
import { sql } from 'kysely';
import { uuidv7 } from '../../lib/ids.js';
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb } from './columns.js';

/** The view every organization starts with: failed or with errors, not reviewed yet. */
export const NEEDS_REVIEW_VIEW = { name: 'Needs review', query: 'problems=true&reviewed=false' } as const;

export async function up(db: MigrationDb, dialect: DialectName) {
  const { big, json } = columnTypes(dialect);
  // Constant defaults: on PostgreSQL a metadata-only change, whatever the number of sessions.
  await sql`ALTER TABLE sessions ADD COLUMN tags ${sql.raw(json)} NOT NULL DEFAULT '[]'`.execute(db);
  await sql`ALTER TABLE sessions ADD COLUMN scores ${sql.raw(json)} NOT NULL DEFAULT '{}'`.execute(db);
  await sql`ALTER TABLE sessions ADD COLUMN reviewed_at ${sql.raw(big)}`.execute(db);
  await sql`ALTER TABLE sessions ADD COLUMN reviewed_by ${sql.raw(json)}`.execute(db);

  await db.schema
    .createTable('session_tags')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('tag', 'text', (c) => c.notNull())
    .addColumn('started_at', big, (c) => c.notNull())
    .addColumn('session_pk', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('session_tags_pk', ['org_id', 'tag', 'started_at', 'session_pk'])
    .execute();
  await db.schema.createIndex('session_tags_session').on('session_tags').columns(['session_pk']).execute();

  await db.schema
    .createTable('session_scores')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('session_pk', big, (c) => c.notNull())
    .addColumn('started_at', big, (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', json, (c) => c.notNull())
    // The value as the filter compares it (`score.x=4`, `=true`, `=resolved`), and as a number
    // when it is one (`score.x[gte]=4`, the metrics' mean).
    .addColumn('value_text', 'text', (c) => c.notNull())
    .addColumn('value_num', 'double precision')
    .addColumn('comment', 'text')
    .addColumn('author', json, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('session_scores_pk', ['session_pk', 'name'])
    .execute();
  await db.schema
    .createIndex('session_scores_text')
    .on('session_scores')
    .columns(['org_id', 'name', 'value_text', 'started_at'])
    .execute();
  await db.schema
    .createIndex('session_scores_num')
    .on('session_scores')
    .columns(['org_id', 'name', 'value_num', 'started_at'])
    .execute();

  await db.schema
    .createTable('session_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('session_pk', big, (c) => c.notNull())
    .addColumn('started_at', big, (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('author', json, (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('session_notes_session').on('session_notes').columns(['session_pk', 'id']).execute();

  await db.schema
    .createTable('saved_views')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('columns', json)
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('saved_views_org').on('saved_views').columns(['org_id', 'created_at']).execute();
  const now = Date.now();
  const orgs = await db.selectFrom('organizations').select('id').execute();
  for (const o of orgs)
    await db
      .insertInto('saved_views')
      .values({ id: uuidv7(now), org_id: o.id, ...NEEDS_REVIEW_VIEW, columns: null, created_at: now, updated_at: now })
      .execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('params', json, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    // Where the job is: 'snapshot' (copying the matching sessions' keys into job_items, up to
    // max_pk) or 'apply' (working through job_items); `cursor` is the last session pk done.
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('cursor', big, (c) => c.notNull().defaultTo(0))
    .addColumn('max_pk', big)
    .addColumn('total', big)
    .addColumn('done', big, (c) => c.notNull().defaultTo(0))
    .addColumn('failed', big, (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('actor', json, (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .addColumn('finished_at', big)
    .execute();
  await db.schema.createIndex('jobs_status').on('jobs').columns(['status', 'created_at']).execute();
  await db.schema
    .createTable('job_items')
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('session_pk', big, (c) => c.notNull())
    .addColumn('started_at', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('job_items_pk', ['job_id', 'session_pk'])
    .execute();
}
