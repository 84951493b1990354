/**
 * Migration 0009, the transcript index keyed by session: a database written before it keeps
 * every word of its transcripts findable after the upgrade, messages appended afterwards are
 * found too, and deleting a session's messages (retention) takes their entries out of the index.
 */
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { bootstrap } from '../../src/bootstrap.js';
import { generateKey } from '../../src/lib/keys.js';
import { openStore, type Store } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { deleteSessionsBefore } from '../../src/store/retention.js';
import { DIALECTS, call, freshDatabaseUrl, seed, session } from '../helpers.js';

for (const dialect of DIALECTS) {
  describe(`transcript index, upgraded from 0008 (${dialect})`, () => {
    let store: Store;
    let app: FastifyInstance;
    let key: string;
    let orgId: string;
    let drop: () => Promise<void>;
    const post = (url: string, body: unknown) => call(app, key, 'POST', `/api/v1${url}`, body);
    const ids = async (transcript: string) => {
      const res = await call(app, key, 'GET', `/api/v1/sessions?${new URLSearchParams({ transcript, limit: '500' })}`);
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.pagination.total, body.data.length);
      return body.data.map((s: { id: string }) => s.id).sort();
    };
    const start = Date.parse('2026-03-10T12:00:00Z');

    before(async () => {
      const db = await freshDatabaseUrl(dialect);
      drop = db.drop;
      store = openStore(db.url);
      await migrate(store, '0008_session_keys');
      key = generateKey();
      ({ orgId } = await bootstrap(store, { adminKey: key, dataDir: tmpdir() }));
      // Written by the code and schema before 0009 (messages reach the old index through its triggers).
      const old = await buildApp({ store, webDir: '/nonexistent' });
      await old.ready();
      await seed(old, key, [
        { type: 'session', body: session({ id: 'old-1', startedAt: new Date(start).toISOString() }) },
        { type: 'session', body: session({ id: 'old-2', startedAt: new Date(start + 1000).toISOString() }) },
        { type: 'message', body: { sessionId: 'old-1', sender: 'user', content: 'Where is my refund?' } },
        { type: 'message', body: { sessionId: 'old-1', sender: 'agent', content: 'The invoice is sent' } },
        { type: 'message', body: { sessionId: 'old-2', sender: 'user', content: 'Café au lait, refund' } },
      ]);
      await old.close();
      assert.deepEqual(await migrate(store), ['0009_transcript_index', '0010_session_search']);
      app = await buildApp({ store, webDir: '/nonexistent' });
      await app.ready();
    });
    after(async () => {
      await app?.close();
      await store?.close();
      await drop?.();
    });

    test('sessions written before the upgrade are found by search after it (0010), with their metrics', async () => {
      const res = await call(app, key, 'GET', '/api/v1/sessions?search=support%20bot');
      assert.equal(res.json().pagination.total, 2);
      const m = await call(app, key, 'GET', '/api/v1/sessions/metrics?search=old-');
      assert.equal(m.json().totalSessions, 2);
      assert.equal(m.json().byChannel.web, 2);
      assert.equal(m.json().byStatus.active, 2);
    });

    test('words written before the upgrade are found after it', async () => {
      assert.deepEqual(await ids('refund'), ['old-1', 'old-2']);
      assert.deepEqual(await ids('refund invoice'), ['old-1']);
      if (dialect === 'sqlite') assert.deepEqual(await ids('cafe'), ['old-2'], 'diacritics are folded as before');
      assert.deepEqual(await ids('café'), ['old-2']);
      assert.deepEqual(await ids('nowhere'), []);
    });

    test('messages appended after the upgrade are found, in any session', async () => {
      const created = await post(
        '/sessions',
        session({ id: 'new-1', startedAt: new Date(start + 2000).toISOString() }),
      );
      assert.equal(created.statusCode, 201, created.body);
      for (const [id, content] of [
        ['new-1', 'a second refund'],
        ['old-2', 'with an invoice'],
        ['old-1', 'zeppelin'],
      ]) {
        const res = await post(`/sessions/${id}/messages`, { messages: [{ sender: 'user', content }] });
        assert.equal(res.statusCode, 201, res.body);
      }
      assert.deepEqual(await ids('refund'), ['new-1', 'old-1', 'old-2']);
      assert.deepEqual(await ids('refund invoice'), ['old-1', 'old-2']);
      assert.deepEqual(await ids('zeppelin refund'), ['old-1']);
    });

    test('deleting sessions (retention) takes their messages out of the index', async () => {
      await store.db.transaction().execute((trx) => deleteSessionsBefore(trx, orgId, start + 1500, 100));
      assert.deepEqual(await ids('refund'), ['new-1']);
      assert.deepEqual(await ids('zeppelin'), []);
      if (dialect === 'sqlite') {
        // The index itself holds no entry of a deleted message (not merely filtered out by the join).
        const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM transcript_fts
          WHERE transcript_fts MATCH 'refund'`.execute(store.db);
        assert.equal(Number(rows[0].n), 1);
        await sql`INSERT INTO transcript_fts(transcript_fts) VALUES ('integrity-check')`.execute(store.db);
      }
    });

    if (dialect === 'sqlite')
      test('a message outside the index key’s range is refused, never indexed under another session', async () => {
        const { rows } = await sql<{ pk: number }>`SELECT pk FROM sessions WHERE id = 'new-1'`.execute(store.db);
        await assert.rejects(
          sql`INSERT INTO messages (session_pk, session_started_at, id, seq, sender, content, timestamp, metadata)
            VALUES (${rows[0].pk}, ${start}, 'huge', ${2 ** 32}, 'user', 'overflow', ${start}, '{}')`.execute(store.db),
          /out of range/,
        );
      });
  });
}

describe('an upgrade that fails half-way leaves the database as it was (sqlite)', () => {
  test('0009 stopped after dropping the old index: the old index and its triggers are back, nothing is recorded', async () => {
    const db = await freshDatabaseUrl('sqlite');
    const store = openStore(db.url);
    try {
      await migrate(store, '0008_session_keys');
      // Makes 0009 fail at its fourth statement, after it has dropped the old triggers and index.
      await sql`CREATE TABLE transcript_fts (x)`.execute(store.db);
      await assert.rejects(migrate(store), /transcript_fts/);
      const { rows } = await sql<{ name: string }>`SELECT name FROM sqlite_master
        WHERE name IN ('messages_fts', 'messages_fts_insert', 'messages_fts_delete') ORDER BY name`.execute(store.db);
      assert.deepEqual(
        rows.map((r) => r.name),
        ['messages_fts', 'messages_fts_delete', 'messages_fts_insert'],
      );
      const done = await sql<{ name: string }>`SELECT name FROM switchboard_migrations`.execute(store.db);
      assert.ok(!done.rows.some((r) => r.name === '0009_transcript_index'));
      // Once the obstacle is gone the upgrade goes through.
      await sql`DROP TABLE transcript_fts`.execute(store.db);
      assert.deepEqual(await migrate(store), ['0009_transcript_index', '0010_session_search']);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
