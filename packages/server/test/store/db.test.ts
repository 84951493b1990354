/**
 * A 2xx means committed and durable, by settings, not by luck; the SQLite files are the server
 * account's alone (docs/SECURITY.md).
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { SAFETY_PAGES } from '../../src/store/checkpointer.js';
import { openStore, parseDatabaseUrl } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { writeOutbox } from '../../src/store/outbox.js';
import { DIALECTS, type TestContext, setup } from '../helpers.js';

for (const dialect of DIALECTS) {
  describe(`store durability settings (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    test(
      dialect === 'sqlite' ? 'SQLite runs in WAL mode with synchronous=FULL' : 'PostgreSQL commits synchronously',
      async () => {
        if (dialect === 'sqlite') {
          const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(t.store.db);
          assert.equal(mode.rows[0].journal_mode, 'wal');
          const sync = await sql<{ synchronous: number }>`PRAGMA synchronous`.execute(t.store.db);
          assert.equal(sync.rows[0].synchronous, 2, 'synchronous must be FULL (2)');
        } else {
          const r = await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(t.store.db);
          assert.equal(r.rows[0].synchronous_commit, 'on');
          const f = await sql<{ fsync: string }>`SHOW fsync`.execute(t.store.db);
          assert.equal(f.rows[0].fsync, 'on');
        }
      },
    );

    test(
      dialect === 'sqlite'
        ? 'long scans (exports) have their own read-only connection, which sees every commit'
        : 'long scans use the pool',
      async () => {
        const count = async () =>
          Number(
            (
              await t.store.scanDb
                .selectFrom('organizations')
                .select((eb) => eb.fn.countAll().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
          );
        const before = await count();
        await t.store.db
          .insertInto('organizations')
          .values({ id: 'scan-test', name: 'scan-test', created_at: Date.now() })
          .execute();
        assert.equal(await count(), before + 1);
        if (dialect === 'sqlite') {
          assert.notEqual(t.store.scanDb, t.store.db);
          await assert.rejects(
            t.store.scanDb.deleteFrom('organizations').where('id', '=', 'scan-test').execute(),
            /readonly/,
          );
        } else assert.equal(t.store.scanDb, t.store.db);
      },
    );

    test('migrations are recorded and running them again changes nothing', async () => {
      const { migrate } = await import('../../src/store/migrate.js');
      assert.deepEqual(await migrate(t.store), []);
    });

    test('a commit heard through LISTEN is an echo to the store that wrote it, news to another', {
      skip: dialect === 'sqlite' && 'one process: nothing to hear',
    }, async () => {
      const other = openStore(t.databaseUrl);
      const heard = (store: typeof other) => {
        const got: Array<boolean | undefined> = [];
        store.outbox.on('committed', (echo) => got.push(echo));
        return got;
      };
      const mine = heard(t.store);
      const theirs = heard(other);
      try {
        await Promise.all([t.store.listen(), other.listen()]);
        await t.store.db
          .transaction()
          .execute((trx) =>
            writeOutbox(trx, dialect, t.orgId, [
              { type: 'session.updated', sessionId: 'echo', occurredAt: Date.now(), data: {} },
            ]),
          );
        // Notifications are delivered at commit, to both listeners, in no set time: wait for both.
        for (let i = 0; mine.length === 0 || theirs.length === 0; i++) {
          assert.ok(i < 500, 'the commit was not heard within 10 s');
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.deepEqual(mine, [true]);
        assert.deepEqual(theirs, [false]);
      } finally {
        await other.close();
      }
    });
  });
}

describe('DATABASE_URL parsing', () => {
  test('sqlite: and postgres:// are understood, anything else is refused with a clear message', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:./data/x.db'), { dialect: 'sqlite', target: './data/x.db' });
    assert.deepEqual(parseDatabaseUrl('postgres://u@h/db'), { dialect: 'postgres', target: 'postgres://u@h/db' });
    assert.equal(parseDatabaseUrl('postgresql://h/db').dialect, 'postgres');
    assert.throws(() => parseDatabaseUrl('mysql://h/db'), /DATABASE_URL must start with sqlite: or postgres:\/\//);
  });
});

describe('SQLite files at rest', () => {
  const mode = (f: string) => statSync(f).mode & 0o777;

  test('a new database is 0600 (with its -wal and -shm) in a 0700 folder, whatever the umask', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-modes-'));
    // The usual umask, which made the file world-readable (0644) before.
    const umask = process.umask(0o022);
    try {
      const file = join(root, 'data', 'switchboard.db');
      const store = openStore(`sqlite:${file}`);
      try {
        await migrate(store, undefined, () => {});
        await store.db.insertInto('organizations').values({ id: 'o', name: 'o', created_at: 0 }).execute();
        assert.equal(mode(join(root, 'data')).toString(8), '700');
        for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(mode(f).toString(8), '600', f);
      } finally {
        await store.close();
      }
    } finally {
      process.umask(umask);
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('a database an older version left world-readable is tightened when opened', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-modes-'));
    try {
      const file = join(root, 'old.db');
      const first = openStore(`sqlite:${file}`);
      await migrate(first, undefined, () => {});
      await first.close();
      chmodSync(file, 0o644);
      writeFileSync(`${file}-wal`, '', { mode: 0o644 });
      chmodSync(`${file}-wal`, 0o644);
      const again = openStore(`sqlite:${file}`);
      try {
        for (const f of [file, `${file}-wal`]) assert.equal(mode(f).toString(8), '600', f);
      } finally {
        await again.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('SQLite checkpoints', () => {
  test('a thread of their own copies the log into the database file before the writer would', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-ckpt-'));
    const file = join(root, 'switchboard.db');
    const store = openStore(`sqlite:${file}`);
    try {
      const threshold = await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(store.db);
      assert.equal(threshold.rows[0].wal_autocheckpoint, SAFETY_PAGES);
      await sql`CREATE TABLE filler (x BLOB)`.execute(store.db);
      const empty = statSync(file).size;
      // ~8 MiB in eight commits: half the log the writer would wait for before copying it itself.
      const pages = SAFETY_PAGES / 2;
      for (let i = 0; i < 8; i++)
        await sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${pages / 8})
          INSERT INTO filler SELECT randomblob(4000) FROM n`.execute(store.db);
      const end = Date.now() + 20_000;
      while (statSync(file).size < empty + pages * 4000 * 0.9) {
        assert.ok(Date.now() < end, `the database file stayed at ${statSync(file).size} bytes: nothing copied the log`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await store.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
