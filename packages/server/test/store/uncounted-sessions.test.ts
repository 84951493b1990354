/**
 * 0020 (sessions.uncounted): sessions written before the upgrade keep being counted exactly when
 * later batches update, end or join them, and sessions created by batches after it are counted
 * once, in their final state; every rollup equals a GROUP BY of the sessions.
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
import { assertCountersExact } from '../figures.js';
import { call, DIALECTS, freshDatabaseUrl, oldOrganization, session, type TestContext } from '../helpers.js';

/** Columns today's writes touch that migrations after 0019 add, as lent to the old schema. */
const LENT = [
  "source text NOT NULL DEFAULT 'api'",
  "tags text NOT NULL DEFAULT '[]'",
  "scores text NOT NULL DEFAULT '{}'",
  'reviewed_at bigint',
  'reviewed_by text',
  'redactions integer NOT NULL DEFAULT 0',
];

for (const dialect of DIALECTS)
  describe(`0020 uncounted sessions, upgraded (${dialect})`, () => {
    let store: Store;
    let drop: () => Promise<void>;
    let app: FastifyInstance;
    let key: string;
    let orgId: string;

    before(async () => {
      const db = await freshDatabaseUrl(dialect);
      drop = db.drop;
      store = openStore(db.url);
      await migrate(store, '0019_sign_in_expiry');
      key = generateKey();
      // The organization as the old schema held it (today's createOrg also writes a saved view,
      // a table 0022 adds; 0022 gives existing organizations theirs).
      await oldOrganization(store);
      ({ orgId } = await bootstrap(store, { adminKey: key, dataDir: tmpdir() }));
      // Before the upgrade, through the single-item routes (they write no column 0020 adds). Today's
      // code also writes columns later migrations add (0021 `source`, 0022 the review's, 0025
      // `redactions`): lent here for the old writes, and taken back before the upgrade so the
      // migrations add them as they would.
      for (const column of LENT) await sql.raw(`ALTER TABLE sessions ADD COLUMN ${column}`).execute(store.db);
      // So are messages' and events' org_id (0027).
      for (const table of ['messages', 'session_events'])
        await sql.raw(`ALTER TABLE ${table} ADD COLUMN org_id text`).execute(store.db);
      // And the table the redaction settings are read from in every write's transaction (0025).
      await sql`CREATE TABLE redaction_settings (org_id text PRIMARY KEY, detectors text NOT NULL,
        custom text NOT NULL, updated_at bigint NOT NULL)`.execute(store.db);
      const old = await buildApp({ store, webDir: '/nonexistent' });
      await old.ready();
      for (const [i, id] of ['old-a', 'old-b', 'old-c'].entries()) {
        const created = await call(
          old,
          key,
          'POST',
          '/api/v1/sessions',
          session({ id, metadata: { tier: `t${i % 2}` } }),
        );
        assert.equal(created.statusCode, 201, created.body);
        const m = await call(old, key, 'POST', `/api/v1/sessions/${id}/messages`, {
          messages: [
            { sender: 'user', content: 'hello' },
            { sender: 'agent', content: 'hi', latencyMs: 400 + i },
          ],
        });
        assert.equal(m.statusCode, 201, m.body);
      }
      await old.close();
      for (const column of LENT)
        await sql.raw(`ALTER TABLE sessions DROP COLUMN ${column.split(' ')[0]}`).execute(store.db);
      for (const table of ['messages', 'session_events'])
        await sql.raw(`ALTER TABLE ${table} DROP COLUMN org_id`).execute(store.db);
      await sql`DROP TABLE redaction_settings`.execute(store.db);
      assert.deepEqual(await migrate(store), [
        '0020_uncounted_sessions',
        '0021_integrations',
        '0022_review',
        '0023_accounts',
        '0024_alerts',
        '0025_redaction',
        '0026_tag_counts',
        '0027_citus',
        '0028_review_indexes',
        '0029_review_counts',
        '0030_transcript_org',
        '0031_replica_identity',
        '0032_batch_rollups',
        '0033_tag_review_columns',
        '0034_tag_sets',
        '0035_score_columns',
        '0036_score_tag_sets',
      ]);
      app = await buildApp({ store, webDir: '/nonexistent' });
      await app.ready();
    });
    after(async () => {
      await app?.close();
      await store?.close();
      await drop?.();
    });

    const t = () => ({ store, orgId }) as TestContext;
    const counts = async () => {
      const { rows: fresh } = await sql<{ k: string; n: number }>`SELECT channel || '/' || status || '/' || type AS k,
        count(*) AS n FROM sessions WHERE org_id = ${orgId} GROUP BY channel, status, type`.execute(store.db);
      const kept = await store.db
        .selectFrom('session_counts')
        .select(['channel', 'status', 'type', 'n'])
        .where('org_id', '=', orgId)
        .where('n', '!=', 0)
        .execute();
      assert.deepEqual(
        Object.fromEntries(kept.map((r) => [`${r.channel}/${r.status}/${r.type}`, Number(r.n)])),
        Object.fromEntries(fresh.map((r) => [r.k, Number(r.n)])),
        'session_counts = a GROUP BY of sessions',
      );
    };

    test('old sessions ended and changed by a batch, new ones created and ended beside them', async () => {
      await counts();
      await assertCountersExact(t(), 'after the upgrade');
      const res = await call(app, key, 'POST', '/api/v1/ingest', {
        batch: [
          { type: 'message', body: { sessionId: 'old-a', sender: 'user', content: 'still there?' } },
          { type: 'session.update', body: { id: 'old-a', status: 'completed', metadata: { tier: 't9' } } },
          { type: 'session.update', body: { id: 'old-b', status: 'failed' } },
          ...['new-a', 'new-b'].flatMap((id, i) => [
            { type: 'session', body: session({ id, metadata: { tier: 't1' } }) },
            { type: 'message', body: { sessionId: id, sender: 'user', content: 'hi' } },
            { type: 'message', body: { sessionId: id, sender: 'agent', content: 'hello', latencyMs: 900 + i } },
            { type: 'session.update', body: { id, status: 'completed' } },
          ]),
          // Created by the batch and left open: counted as active.
          { type: 'session', body: session({ id: 'new-open' }) },
        ],
      });
      assert.equal(res.statusCode, 207, res.body);
      assert.ok(
        res.json().results.every((r: { status: number }) => r.status < 300),
        res.body,
      );
      await counts();
      await assertCountersExact(t(), 'after a batch');
      // A later single update of a session a batch created.
      const end = await call(app, key, 'PATCH', '/api/v1/sessions/new-open', { status: 'cancelled' });
      assert.equal(end.statusCode, 200, end.body);
      await counts();
      await assertCountersExact(t(), 'after a later update');
      const left = await store.db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('uncounted', '!=', 0)
        .executeTakeFirstOrThrow();
      assert.equal(Number(left.n), 0);
    });
  });
