/**
 * Runs the schema migrations (migrations/index.ts), on every start and by `switchboard migrate`.
 * Kysely's migrator takes a lock first (an advisory lock on PostgreSQL), so several processes
 * starting at once are safe. On both databases the pending migrations and their bookkeeping run
 * in one transaction (see `TransactionalDdlSqliteAdapter` in db.ts): an interrupted upgrade
 * leaves the database as it was.
 */
import { Migrator } from 'kysely';
import type { Store } from './db.js';
import type { MigrationLog } from './migrations/columns.js';
import { migrationsFor } from './migrations/index.js';
import { addMonths, ensureMonths, monthOf, monthStart } from './partitions.js';

/**
 * Runs every pending migration, or those up to `upTo` (tests of an upgrade from an older schema).
 * A migration that computes over stored data reports its progress to `log` (stderr by default).
 */
export async function migrate(
  store: Store,
  upTo?: string,
  log: MigrationLog = (line) => process.stderr.write(`${line}\n`),
): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: async () => migrationsFor(store.dialect, log) },
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
