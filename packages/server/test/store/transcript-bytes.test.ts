/**
 * Migration 0018: the byte count and the out-of-order flag it computes for sessions stored
 * before it are the ones ingest keeps from then on (lib/transcript.ts), on both stores.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { up } from '../../src/store/migrations/0018_transcript_ceilings.js';
import { CITUS, DIALECTS, type TestContext, call, session, setup } from '../helpers.js';

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

for (const dialect of DIALECTS) {
  // It runs 0018 again over today's schema; on Citus today's tables are distributed, and 0018's
  // correlated UPDATE (written for one node, run before 0027 distributes anything) is not for them.
  describe(`0018 transcript bytes (${dialect})`, { skip: CITUS ? '0018 over distributed tables' : false }, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());
    const post = (url: string, body: unknown) => call(t.app, t.adminKey, 'POST', `/api/v1${url}`, body);
    const kept = async () => {
      const { rows } = await sql<{ id: string; transcript_bytes: number; messages_disordered: number }>`
        SELECT id, transcript_bytes, messages_disordered FROM sessions ORDER BY id`.execute(t.store.db);
      return rows.map((r) => [r.id, Number(r.transcript_bytes), Number(r.messages_disordered)]);
    };

    test('what the migration computes for stored sessions is what ingest kept', async () => {
      for (const id of ['in-order', 'late', 'empty', 'ended']) await post('/sessions', session({ id }));
      await post('/sessions/in-order/messages', {
        messages: [
          { sender: 'user', content: 'Grüße, ça va? 👋', timestamp: at(0), metadata: { plan: 'pro', n: 3 } },
          { sender: 'agent', content: 'oui', timestamp: at(0), usage: { inputTokens: 12, costUsd: 0.001 } },
          { sender: 'user', content: 'ok', timestamp: at(5) },
        ],
      });
      await post('/sessions/in-order/events', {
        events: [{ type: 'error', data: { message: 'naïve' } }, { type: 'x' }],
      });
      await post('/sessions/late/messages', {
        messages: [
          { sender: 'user', content: 'a', timestamp: at(10) },
          { sender: 'agent', content: 'b', timestamp: at(20) },
        ],
      });
      // Delivered late: before the message of a lower seq.
      await post('/sessions/late/messages', { messages: [{ sender: 'user', content: 'c', timestamp: at(15) }] });
      await call(t.app, t.adminKey, 'PATCH', '/api/v1/sessions/ended', { status: 'completed' });

      const before = await kept();
      assert.deepEqual(
        before.map(([id, , disordered]) => [id, disordered]),
        [
          ['empty', 0],
          ['ended', 0],
          ['in-order', 0],
          ['late', 1],
        ],
      );
      assert.ok(before.every(([id, bytes]) => id === 'empty' || (bytes as number) > 0));

      // The columns gone, as before 0018, and the migration run over the stored rows.
      await sql`ALTER TABLE sessions DROP COLUMN transcript_bytes`.execute(t.store.db);
      await sql`ALTER TABLE sessions DROP COLUMN messages_disordered`.execute(t.store.db);
      await up(t.store.db, dialect);
      assert.deepEqual(await kept(), before);
    });
  });
}
