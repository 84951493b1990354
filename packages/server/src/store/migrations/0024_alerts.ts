/**
 * 0024, alerts (docs/ALERTS.md): the rules with their current state, every transition with the
 * value seen, and the Slack messages waiting to be sent (retried as webhooks are).
 */
import type { DialectName } from '../db.js';
import { columnTypes, type MigrationDb, pkColumn } from './columns.js';

export async function up(db: MigrationDb, dialect: DialectName) {
  const { big } = columnTypes(dialect);
  const real = dialect === 'postgres' ? 'double precision' : 'real';
  await db.schema
    .createTable('alert_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('filters', 'text', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('threshold', real, (c) => c.notNull())
    .addColumn('window_seconds', 'integer', (c) => c.notNull())
    .addColumn('cooldown_seconds', 'integer', (c) => c.notNull())
    // Sealed (lib/secret-box.ts), as webhook secrets are: a Slack URL is a credential.
    .addColumn('slack_url', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('state_since', big, (c) => c.notNull())
    .addColumn('last_value', real)
    .addColumn('evaluated_at', big)
    .addColumn('last_fired_at', big)
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_rules_org').on('alert_rules').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('alert_rules_enabled').on('alert_rules').columns(['enabled', 'org_id']).execute();

  await pkColumn(db, dialect, 'alert_transitions', 'pk')
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alert_rules.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('value', real)
    .addColumn('threshold', real, (c) => c.notNull())
    .addColumn('op', 'text', (c) => c.notNull())
    .addColumn('window_seconds', 'integer', (c) => c.notNull())
    .addColumn('at', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_transitions_list').on('alert_transitions').columns(['alert_id', 'pk']).execute();

  await pkColumn(db, dialect, 'alert_slack_messages', 'pk')
    .addColumn('alert_id', 'text', (c) => c.notNull().references('alert_rules.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    // null once sent or given up on
    .addColumn('next_attempt_at', big)
    .addColumn('claimed_until', big)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', big, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('alert_slack_messages_due')
    .on('alert_slack_messages')
    .columns(['next_attempt_at'])
    .execute();
}
