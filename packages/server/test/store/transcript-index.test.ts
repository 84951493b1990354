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
import { ensureMonths } from '../../src/store/partitions.js';
import { deleteSessionsBefore } from '../../src/store/retention.js';
import { DIALECTS, call, freshDatabaseUrl, oldOrganization, session } from '../helpers.js';

/** Two sessions of support-bot, three messages and two counted events, as the 0008 schema stored them. */
async function writeAt0008(store: Store, orgId: string, start: number) {
  const db = store.db;
  await ensureMonths(store, [start]);
  await sql`INSERT INTO agents (org_id, id, name, search_name, first_seen_at, last_seen_at, session_count)
    VALUES (${orgId}, 'support-bot', 'Support Bot', 'support bot', ${start}, ${start}, 2)`.execute(db);
  const rows: Array<[string, number, number, number]> = [
    ['old-1', start, 2, 2],
    ['old-2', start + 1000, 1, 0],
  ];
  const pks: number[] = [];
  for (const [id, startedAt, messages, events] of rows) {
    const { rows: inserted } = await sql<{ pk: number }>`INSERT INTO sessions (org_id, id, agent_id, channel, type,
      status, started_at, ended_at, duration_ms, message_count, event_count, ended_reason, last_activity_at, metadata,
      search_text, create_hash) VALUES (${orgId}, ${id}, 'support-bot', 'web', 'chat', 'active', ${startedAt}, NULL,
      NULL, ${messages}, ${events}, NULL, ${startedAt}, '{}', 'support-bot', ${id}) RETURNING pk`.execute(db);
    const pk = Number(inserted[0].pk);
    pks.push(pk);
    await sql`INSERT INTO session_ids (org_id, id, pk, started_at) VALUES (${orgId}, ${id}, ${pk}, ${startedAt})`.execute(
      db,
    );
  }
  const message = (pk: number, startedAt: number, seq: number, sender: string, content: string, at: number) =>
    sql`INSERT INTO messages (session_pk, session_started_at, id, seq, sender, content, timestamp, metadata)
      VALUES (${pk}, ${startedAt}, ${`m${pk}-${seq}`}, ${seq}, ${sender}, ${content}, ${at}, '{}')`.execute(db);
  await message(pks[0], start, 1, 'user', 'Where is my refund?', start + 500);
  await message(pks[0], start, 2, 'agent', 'The invoice is sent', start + 3000);
  await message(pks[1], start + 1000, 1, 'user', 'Café au lait, refund', start + 1500);
  for (const [seq, type] of [
    [1, 'error'],
    [2, 'agent_handoff'],
  ] as const)
    await sql`INSERT INTO session_events (session_pk, session_started_at, id, seq, type, timestamp, data)
      VALUES (${pks[0]}, ${start}, ${`e${seq}`}, ${seq}, ${type}, ${start + 4000}, '{}')`.execute(db);
}

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
      // The organization as the old schema held it (today's createOrg also writes a saved view,
      // a table 0022 adds; 0022 gives existing organizations theirs).
      await oldOrganization(store);
      ({ orgId } = await bootstrap(store, { adminKey: key, dataDir: tmpdir() }));
      // Rows as the schema of 0008 held them, written in SQL (today's code writes columns that
      // schema does not have); messages reach the old index through its triggers.
      await writeAt0008(store, orgId, start);
      const logged: string[] = [];
      const ran = await migrate(store, undefined, (line) => logged.push(line));
      assert.deepEqual(ran.slice(0, 3), ['0009_transcript_index', '0010_session_search', '0011_session_stats']);
      assert.match(logged.join('\n'), /0011_session_stats: 2 sessions done/);
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

    test('sessions written before 0011 get their figures from their transcripts', async () => {
      const res = await call(app, key, 'GET', '/api/v1/sessions/old-1');
      assert.equal(res.statusCode, 200, res.body);
      const s = res.json();
      assert.deepEqual(
        { turns: s.stats.turns, first: s.stats.firstResponseMs, errors: s.stats.errors, handoffs: s.stats.handoffs },
        { turns: 1, first: 2500, errors: 1, handoffs: 1 },
      );
      assert.equal(s.stats.userMessages, 1);
      assert.equal(s.messages[1].latencyMs, 2500, 'derived from the gap since the user message');
      const listed = await call(app, key, 'GET', '/api/v1/sessions?turns[gte]=1');
      assert.deepEqual(
        listed.json().data.map((x: { id: string }) => x.id),
        ['old-1'],
      );
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
      assert.deepEqual((await migrate(store)).slice(0, 2), ['0009_transcript_index', '0010_session_search']);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
