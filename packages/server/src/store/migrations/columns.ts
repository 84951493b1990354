/**
 * What every migration shares: the database handle they get and the column types that differ
 * between the dialects. A migration describes tables as they were when it was written, so it
 * never uses the `Database` interface of schema.ts (which describes them as they are now).
 */
import type { Kysely } from 'kysely';
import type { DialectName } from '../db.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations describe tables that do not exist yet.
export type MigrationDb = Kysely<any>;

/** Where a long migration reports its progress (a line at a time). */
export type MigrationLog = (line: string) => void;

/**
 * One migration: `up` gets the dialect, since identity columns, JSON and full-text search differ,
 * and a log for the progress of one that computes over stored data.
 */
export interface DialectMigration {
  up(db: MigrationDb, dialect: DialectName, log: MigrationLog): Promise<void>;
}

export function columnTypes(dialect: DialectName) {
  const pg = dialect === 'postgres';
  return {
    pg,
    big: pg ? 'bigint' : 'integer',
    // json, not jsonb: it keeps the client's key order, as SQLite's text does.
    json: pg ? 'json' : 'text',
  } as const;
}

/** A table whose first column is an auto-generated integer primary key. */
export function pkColumn(db: MigrationDb, dialect: DialectName, table: string, name: string) {
  const { pg, big } = columnTypes(dialect);
  return db.schema
    .createTable(table)
    .addColumn(name, big, (c) => (pg ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement()));
}
