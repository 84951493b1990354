/**
 * Every migration, in order. A name is forever: each database records the names it has run
 * (in `switchboard_migrations`), so a migration is never renamed, edited or removed once
 * released; a change of schema is a new file here. How to add one: docs/ARCHITECTURE.md.
 */
import type { Migration } from 'kysely';
import type { DialectName } from '../db.js';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_webhooks.js';
import * as m0003 from './0003_rate_limits.js';
import * as m0004 from './0004_session_counts.js';
import * as m0005 from './0005_filter_index_order.js';
import * as m0006 from './0006_partitions.js';
import * as m0007 from './0007_filter_indexes.js';
import * as m0008 from './0008_session_keys.js';
import * as m0009 from './0009_transcript_index.js';
import * as m0010 from './0010_session_search.js';
import * as m0011 from './0011_session_stats.js';
import * as m0012 from './0012_session_figures.js';
import * as m0013 from './0013_session_days.js';
import * as m0014 from './0014_figure_indexes.js';
import * as m0015 from './0015_metadata_figures.js';
import * as m0017 from './0017_org_event_ids.js';
import * as m0018 from './0018_transcript_ceilings.js';
import * as m0019 from './0019_sign_in_expiry.js';
import * as m0020 from './0020_uncounted_sessions.js';
import * as m0021 from './0021_integrations.js';
import * as m0022 from './0022_review.js';
import * as m0023 from './0023_accounts.js';
import * as m0024 from './0024_alerts.js';
import * as m0025 from './0025_redaction.js';
import * as m0026 from './0026_tag_counts.js';
import * as m0027 from './0027_citus.js';
import * as m0028 from './0028_review_indexes.js';
import * as m0029 from './0029_review_counts.js';
import * as m0030 from './0030_transcript_org.js';
import * as m0031 from './0031_replica_identity.js';
import * as m0032 from './0032_batch_rollups.js';
import * as m0033 from './0033_tag_review_columns.js';
import * as m0034 from './0034_tag_sets.js';
import * as m0035 from './0035_score_columns.js';
import * as m0036 from './0036_score_tag_sets.js';
import type { DialectMigration, MigrationLog } from './columns.js';

const MIGRATIONS: Record<string, DialectMigration> = {
  '0001_initial': m0001,
  '0002_webhooks': m0002,
  '0003_rate_limits': m0003,
  '0004_session_counts': m0004,
  '0005_filter_index_order': m0005,
  '0006_partitions': m0006,
  '0007_filter_indexes': m0007,
  '0008_session_keys': m0008,
  '0009_transcript_index': m0009,
  '0010_session_search': m0010,
  '0011_session_stats': m0011,
  '0012_session_figures': m0012,
  '0013_session_days': m0013,
  '0014_figure_indexes': m0014,
  '0015_metadata_figures': m0015,
  '0017_org_event_ids': m0017,
  '0018_transcript_ceilings': m0018,
  '0019_sign_in_expiry': m0019,
  '0020_uncounted_sessions': m0020,
  '0021_integrations': m0021,
  '0022_review': m0022,
  '0023_accounts': m0023,
  '0024_alerts': m0024,
  '0025_redaction': m0025,
  '0026_tag_counts': m0026,
  '0027_citus': m0027,
  '0028_review_indexes': m0028,
  '0029_review_counts': m0029,
  '0030_transcript_org': m0030,
  '0031_replica_identity': m0031,
  '0032_batch_rollups': m0032,
  '0033_tag_review_columns': m0033,
  '0034_tag_sets': m0034,
  '0035_score_columns': m0035,
  '0036_score_tag_sets': m0036,
};

/** The migrations as Kysely's migrator takes them, for one dialect. */
export function migrationsFor(dialect: DialectName, log: MigrationLog): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(MIGRATIONS).map(([name, m]) => [name, { up: (db) => m.up(db, dialect, log) } satisfies Migration]),
  );
}
