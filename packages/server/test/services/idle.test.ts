/** The idle-timeout sweep: src/services/idle.ts, with several processes in mind. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { IdleSweeper } from '../../src/services/idle.js';
import { IngestService } from '../../src/services/ingest.js';
import { openStore, type Store } from '../../src/store/db.js';
import { DIALECTS, type TestContext, call, seed, session, setup } from '../helpers.js';

const quiet = { info() {}, warn() {}, error() {} } as unknown as FastifyBaseLogger;

for (const dialect of DIALECTS) {
  describe(`idle sweep (${dialect})`, () => {
    let t: TestContext;
    let second: Store;
    before(async () => {
      t = await setup(dialect);
      // Another process's store: its own connection pool on the same database.
      second = dialect === 'postgres' ? openStore(t.databaseUrl) : t.store;
    });
    after(async () => {
      if (second !== t.store) await second.close();
      await t.close();
    });

    test('ends every silent session once, whichever process sweeps', async () => {
      const ids = Array.from({ length: 40 }, (_, i) => `idle-${dialect}-${i}`);
      await seed(
        t.app,
        t.adminKey,
        ids.map((id) => ({ type: 'session', body: session({ id }) })),
      );
      const sweepers = [t.store, second].map((s) => new IdleSweeper(s, new IngestService(s), 60, quiet));
      // An hour later, both "processes" sweep at the same moment.
      const later = Date.now() + 3_600_000;
      const ended = await Promise.all(sweepers.map((s) => s.sweep(later)));
      assert.equal(ended[0] + ended[1], ids.length);
      // PostgreSQL: one process took the round and the other skipped it, instead of both walking
      // the same list and racing for each row. (SQLite has one process; its two sweeps share the
      // work, each ending re-checked under the write lock.)
      if (dialect === 'postgres')
        assert.deepEqual(
          [...ended].sort((a, b) => a - b),
          [0, ids.length],
        );
      for (const id of ids.slice(0, 3)) {
        const d = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${id}`)).json();
        assert.equal(d.status, 'failed');
        assert.equal(d.endedReason, 'idle_timeout');
        assert.equal(d.events.filter((e: { type: string }) => e.type === 'status_changed').length, 1);
      }
      // Nothing left to do, and the lock was released: the next round runs and finds nothing.
      assert.deepEqual(await Promise.all(sweepers.map((s) => s.sweep(later))), [0, 0]);
    });
  });
}
