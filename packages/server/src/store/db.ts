/**
 * Opens the database named by a `DATABASE_URL` and hands back a Kysely instance, with the
 * connection settings each database needs. Queries that differ between the two branch on
 * `Store.dialect` inside store/ (filters.ts, the migrations), nowhere else.
 */
import { EventEmitter } from 'node:events';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { type Checkpointer, SAFETY_PAGES, startCheckpointer } from './checkpointer.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** The handle store functions take (services pass it through without knowing Kysely), and a transaction of it. */
export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;

export interface Store {
  db: Kysely<Database>;
  /**
   * For reads that scan a large part of the database (exports): on SQLite a second, read-only
   * connection with a small page cache of its own, so a scan of a million rows neither grows the
   * process by the main connection's 64 MiB cache nor evicts the pages every other request
   * needs (measured: an export's peak RSS 268 → see docs/PERFORMANCE.md). The same as `db` on
   * PostgreSQL and for an in-memory SQLite database.
   */
  scanDb: Kysely<Database>;
  dialect: DialectName;
  /** A label safe to log: the database kind and location, never a password. */
  describe: string;
  /**
   * Emits `committed` after a transaction that wrote outbox rows has committed, so the live
   * stream and the webhook worker read the outbox at once instead of waiting for their poll.
   */
  outbox: OutboxEmitter;
  /**
   * Starts hearing other processes' outbox commits (PostgreSQL `LISTEN`), re-emitted as
   * `committed`; idempotent, and a no-op on SQLite, which has one server process.
   */
  listen(): Promise<void>;
  close(): Promise<void>;
}

/**
 * SQLite's DDL is transactional, but Kysely's adapter says it is not (to be safe with engines
 * where it is not), so its migrator ran each migration statement by statement: a process killed
 * in the middle of an upgrade (seen: a migration that rebuilds a full-text index over 5 million
 * messages) left a database with the old index dropped and the new one half-built, and no
 * record of either. With this, the migrator runs the pending migrations and their bookkeeping
 * in one transaction, as on PostgreSQL: an interrupted upgrade leaves the database as it was.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl() {
    return true;
  }
}

class TransactionalSqliteDialect extends SqliteDialect {
  override createAdapter() {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** The channel every outbox write notifies on commit: other processes' live streams and webhook workers wake on it. */
export const OUTBOX_CHANNEL = 'switchboard_outbox';

// PostgreSQL returns int8 and numeric as strings; every such value we store (epoch ms, counts,
// sequence numbers) is far below 2^53, so numbers are exact.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(1700, (v) => Number.parseFloat(v));

export function parseDatabaseUrl(url: string): { dialect: DialectName; target: string } {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', target: url };
  if (url.startsWith('sqlite:')) return { dialect: 'sqlite', target: url.slice('sqlite:'.length) || ':memory:' };
  throw new Error(`DATABASE_URL must start with sqlite: or postgres:// (got "${url.split(':')[0]}:…")`);
}

export function openStore(url: string): Store {
  const { dialect, target } = parseDatabaseUrl(url);
  if (dialect === 'postgres') {
    const pool = new pg.Pool({ connectionString: target, max: 10, application_name: 'switchboard' });
    // A pooled client that errors while idle must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const u = new URL(target);
    const outbox = outboxEmitter();
    // The server process of each of the pool's connections: a notification from one is an echo.
    const own = new Set<number>();
    const pid = (client: unknown) => (client as { processID?: number }).processID;
    pool.on('connect', (client) => {
      const p = pid(client);
      if (p !== undefined) own.add(p);
    });
    pool.on('remove', (client) => {
      const p = pid(client);
      if (p !== undefined) own.delete(p);
    });
    const listener = new OutboxListener(target, outbox, own);
    return {
      db,
      scanDb: db,
      dialect,
      describe: `postgres://${u.host}${u.pathname}`,
      outbox,
      listen: () => listener.start(),
      close: async () => {
        await listener.stop();
        await db.destroy();
      },
    };
  }
  const file = target === ':memory:' ? target : resolve(target);
  if (file !== ':memory:') ownerOnly(file);
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // A 2xx means durable across a machine crash (docs/SECURITY.md), so no weaker sync setting.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  // Checkpoints run on a thread of their own (store/checkpointer.ts); this is the fallback.
  sqlite.pragma(`wal_autocheckpoint = ${SAFETY_PAGES}`);
  const db = new Kysely<Database>({
    dialect: new TransactionalSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  let scanDb = db;
  let checkpointer: Checkpointer | undefined;
  if (file !== ':memory:') {
    checkpointer = startCheckpointer(file);
    // Opened lazily: a database file that does not exist yet is created by the main connection.
    scanDb = new Kysely<Database>({
      dialect: new SqliteDialect({
        database: async () => {
          const scan = new SQLite(file, { readonly: true });
          scan.pragma('busy_timeout = 5000');
          scan.pragma('cache_size = -8192');
          return withStatementCache(scan, 50);
        },
      }),
    });
  }
  return {
    db,
    scanDb,
    dialect,
    describe: `sqlite:${file}`,
    outbox: outboxEmitter(),
    listen: async () => {},
    close: async () => {
      await checkpointer?.close();
      if (scanDb !== db) await scanDb.destroy();
      await db.destroy();
    },
  };
}

/**
 * The database holds every transcript: only the account that runs the server may read it. Its
 * folder is made 0700, and the file is made 0600 before SQLite opens it, so the -wal and -shm
 * files SQLite creates beside it take the same mode (SQLite gives them the database file's). A
 * file from an older version, made with the process umask (often 0644), is tightened the same way.
 */
function ownerOnly(file: string) {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    if (!existsSync(f) || !(statSync(f).mode & 0o077)) continue;
    try {
      chmodSync(f, 0o600);
    } catch (err) {
      // Another account's file that this one may use: its owner decides.
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    }
  }
}

/**
 * Kysely's SQLite driver prepares every query anew; for a 1,000-item ingest batch that is
 * thousands of prepares of long multi-row INSERTs, a third of the batch's time (measured with
 * the benchmark). Queries are built from fixed shapes, so a small cache keyed by SQL text
 * catches nearly all of them. A cached statement that is still busy (an open iterator) is never
 * handed out twice: a fresh one is prepared for that call instead.
 */
function withStatementCache(sqlite: SQLite.Database, size = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  const cached = ((source: string) => {
    const hit = cache.get(source);
    if (hit && !hit.busy) {
      // Re-inserted so the Map's order is least recently used first.
      cache.delete(source);
      cache.set(source, hit);
      return hit;
    }
    const stmt = prepare(source);
    if (!hit) {
      cache.set(source, stmt);
      if (cache.size > size) cache.delete(cache.keys().next().value as string);
    }
    return stmt;
  }) as SQLite.Database['prepare'];
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return cached;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * `committed` comes from this store's own writes (emitted by the writer) and, on PostgreSQL, from
 * every commit heard through `LISTEN` (`Store.listen`). Those of this store's own connections are
 * heard too, and come with `echo` true: the writer has already said so. A reader of the outbox
 * wakes on either; the job runner, which gives way to other writers, ignores echoes (its own
 * steps' commits came back after its step and read as someone else's).
 */
export type OutboxEmitter = EventEmitter<{ committed: [echo?: boolean] }>;

function outboxEmitter(): OutboxEmitter {
  const e: OutboxEmitter = new EventEmitter();
  // One listener per stream hub and webhook worker, plus tests; no leak warning for those.
  e.setMaxListeners(100);
  return e;
}

/**
 * One dedicated connection per process that LISTENs on the outbox channel: a commit in any
 * process wakes this process's stream hub and webhook worker within milliseconds instead of at
 * their next poll. Notifications are only a wake-up call (the outbox is still read by sequence),
 * so one lost while reconnecting costs nothing: a reconnect emits `committed` once to catch up,
 * and the poll stays as the safety net.
 */
class OutboxListener {
  private client: pg.Client | undefined;
  private starting: Promise<void> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly outbox: OutboxEmitter,
    /** The server processes of this store's own connections (`OutboxEmitter`'s echoes). */
    private readonly own: ReadonlySet<number>,
  ) {}

  start(): Promise<void> {
    this.stopped = false;
    this.starting ??= this.connect().catch(() => this.reconnectLater());
    return this.starting;
  }

  private async connect() {
    const client = new pg.Client({ connectionString: this.url, application_name: 'switchboard-listen' });
    client.on('notification', (msg) => this.outbox.emit('committed', this.own.has(msg.processId)));
    client.on('error', () => this.reconnectLater());
    client.on('end', () => this.reconnectLater());
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    if (this.stopped) await client.end().catch(() => {});
  }

  private reconnectLater() {
    const dead = this.client;
    this.client = undefined;
    dead?.removeAllListeners('end');
    dead?.end().catch(() => {});
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.stopped) return;
      this.connect().then(
        () => this.outbox.emit('committed'),
        () => this.reconnectLater(),
      );
    }, 1000);
    this.retry.unref();
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.starting;
    this.starting = undefined;
    const client = this.client;
    this.client = undefined;
    client?.removeAllListeners('end');
    client?.removeAllListeners('error');
    client?.on('error', () => {});
    await client?.end().catch(() => {});
  }
}
