/**
 * Event ids tell an organization nothing about another's volume (docs/SECURITY.md). The attack:
 * organization B watches its own event ids — on the live stream, in a replay, in the stream's
 * first `id:` line, in webhook deliveries — while organization A writes. With one sequence for
 * every organization, B's ids jumped by exactly what A wrote in between, and the first line gave
 * the global high-water mark. Each organization now has its own sequence: B's ids are 1, 2, 3 …
 * whatever A does. src/store/outbox.ts, src/services/stream.ts, src/services/webhooks/dispatcher.ts.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { buildApp } from '../../src/app.js';
import { WebhookWorker } from '../../src/services/webhooks/worker.js';
import { migrate } from '../../src/store/migrate.js';
import { openStore } from '../../src/store/db.js';
import { DIALECTS, type TestContext, call, freshDatabaseUrl, seed, session, setup } from '../helpers.js';
import { connectSse } from '../sse.js';
import { receiver, until } from './proc.js';

const quiet = { info() {}, warn() {}, error() {} };
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

/** The first lines a new stream writes, up to its `: connected` comment's `id:` line. */
async function joinedAt(port: number, key: string, lastEventId?: string): Promise<string> {
  const head = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf = '';
    socket.on('data', (d) => {
      buf += d;
      if (/: connected\nid: \d+\n/.test(buf)) {
        socket.destroy();
        resolve(buf);
      }
    });
    socket.on('error', reject);
    socket.write(
      `GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n${lastEventId ? `Last-Event-ID: ${lastEventId}\r\n` : ''}\r\n`,
    );
  });
  return (/: connected\nid: (\d+)\n/.exec(head) as RegExpExecArray)[1];
}

for (const dialect of DIALECTS) {
  describe(`event ids reveal nothing of other organizations (${dialect})`, () => {
    let t: TestContext;
    let b: { orgId: string; key: string };
    let base: string;
    let port: number;
    const cleanup: Array<() => Promise<void>> = [];

    before(async () => {
      t = await setup(dialect, { rateLimits: { read: 0, ingest: 0, export: 0 } });
      b = await t.otherOrg('org-b');
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.server.address() as { port: number }).port;
      base = `http://127.0.0.1:${port}/api/v1`;
    });
    after(async () => {
      while (cleanup.length) await (cleanup.pop() as () => Promise<void>)();
      await t.close();
    });

    const aWrites = (n: number, tag: string) =>
      seed(t.app, t.adminKey, [
        { type: 'session', body: session({ id: `a-${tag}` }) },
        ...Array.from({ length: n - 1 }, (_, i) => ({
          type: 'message',
          body: { sessionId: `a-${tag}`, sender: 'user', content: `a ${i}` },
        })),
      ]);

    test('B’s ids are 1, 2, 3 … on the stream, in replay and in the first line, however much A writes between', async () => {
      // A was busy before B's first event, and keeps writing between B's.
      await aWrites(37, 'before');
      assert.equal(await joinedAt(port, b.key), '0', 'B has no events yet: its stream joins at 0');
      const live = await connectSse(`${base}/stream`, { authorization: `Bearer ${b.key}` });
      cleanup.push(async () => live.close());
      await call(t.app, b.key, 'POST', '/api/v1/sessions', session({ id: 'b-1' }));
      await aWrites(250, 'between');
      await call(t.app, b.key, 'POST', '/api/v1/sessions/b-1/messages', {
        messages: [{ sender: 'user', content: 'one' }],
      });
      await aWrites(3, 'again');
      await call(t.app, b.key, 'POST', '/api/v1/sessions/b-1/events', { events: [{ type: 'agent_handoff' }] });
      await call(t.app, b.key, 'PATCH', '/api/v1/sessions/b-1', { status: 'completed' });
      const events = await live.waitFor(5);
      assert.deepEqual(
        events.map((e) => e.id),
        range(1, 5),
        'live ids',
      );
      assert.deepEqual(
        events.map((e) => JSON.parse(e.data).id),
        range(1, 5),
        'envelope ids',
      );

      // A replay from the very start, and from every id in between, is exact.
      for (let from = 0; from < 5; from++) {
        const again = await connectSse(`${base}/stream`, {
          authorization: `Bearer ${b.key}`,
          'last-event-id': String(from),
        });
        const got = await again.waitFor(5 - from);
        again.close();
        assert.deepEqual(
          got.map((e) => e.id),
          range(from + 1, 5),
          `replay after ${from}`,
        );
      }

      // The first line of a new stream is B's own newest id, not how far all organizations got.
      assert.equal(await joinedAt(port, b.key), '5');
      await aWrites(500, 'after');
      assert.equal(await joinedAt(port, b.key), '5', 'A’s writes do not move B’s first line');
      // An id B never reached (from another server, or a guess) tells it nothing either: the
      // stream joins at B's own newest.
      assert.equal(await joinedAt(port, b.key, '1000000'), '5');

      // And A's ids are A's alone: 1 … 37 + 250 + 3 + 500 without a gap.
      const aIds = await t.store.db
        .selectFrom('outbox')
        .select('org_seq')
        .where('org_id', '=', t.orgId)
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        aIds.map((r) => String(r.org_seq)),
        range(1, 790),
      );
    });

    test('webhook-ids and the delivery log use B’s own ids too', async () => {
      const r = await receiver();
      cleanup.push(r.close);
      const app = await buildApp({ store: t.store, webDir: '/nonexistent', webhooks: { allowPrivate: true } });
      cleanup.push(() => app.close());
      const hook = (await call(app, b.key, 'POST', '/api/v1/webhooks', { url: r.url, events: ['*'] })).json();
      const worker = new WebhookWorker(
        t.store,
        { retrySchedule: [0.2], timeoutSeconds: 2, allowPrivate: true, pollMs: 100 },
        quiet,
      );
      worker.start();
      cleanup.push(() => worker.stop());
      await call(t.app, b.key, 'POST', '/api/v1/sessions', session({ id: 'b-2' }));
      await aWrites(40, 'hooks');
      await call(t.app, b.key, 'POST', '/api/v1/sessions/b-2/messages', {
        messages: [{ sender: 'user', content: 'x' }],
      });
      await until('two deliveries', () => r.got.length >= 2);
      const ids = r.got.map((g) => String(g.headers['webhook-id']));
      assert.deepEqual(ids, ['6', '7'], 'B had 5 events before these');
      for (const g of r.got) {
        assert.equal(JSON.parse(g.body).id, g.headers['webhook-id']);
        new StandardWebhook(hook.secret).verify(g.body, {
          'webhook-id': String(g.headers['webhook-id']),
          'webhook-timestamp': String(g.headers['webhook-timestamp']),
          'webhook-signature': String(g.headers['webhook-signature']),
        });
      }
      const log = (await call(app, b.key, 'GET', `/api/v1/webhooks/${hook.id}/deliveries`)).json().data;
      assert.deepEqual(log.map((d: { eventId: string }) => d.eventId).sort(), ['6', '7']);
    });
  });

  describe(`event ids across the upgrade to per-organization ids (${dialect})`, () => {
    test('stored events keep their ids; each organization continues above the highest, without gaps', async () => {
      const db = await freshDatabaseUrl(dialect);
      const store = openStore(db.url);
      try {
        await migrate(store, '0015_metadata_figures');
        const now = Date.now();
        await store.db
          .insertInto('organizations')
          .values([
            { id: 'org-a', name: 'a', created_at: now },
            { id: 'org-b', name: 'b', created_at: now },
            { id: 'org-c', name: 'c', created_at: now },
          ])
          .execute();
        // Written with the old, shared sequence: a, a, b, a, b (c has none).
        for (const org of ['org-a', 'org-a', 'org-b', 'org-a', 'org-b'])
          await store.db
            // biome-ignore lint/suspicious/noExplicitAny: the table as it was before 0017, without org_seq
            .insertInto('outbox' as any)
            .values({ org_id: org, type: 'session.started', session_id: 's', occurred_at: now, payload: '{}' })
            .execute();
        await migrate(store, undefined, () => {});
        const { writeOutbox } = await import('../../src/store/outbox.js');
        for (const org of ['org-b', 'org-a', 'org-c', 'org-b', 'org-d'])
          await store.db
            .transaction()
            .execute((trx) =>
              writeOutbox(trx, store.dialect, org, [
                { type: 'session.started', sessionId: 's', occurredAt: now, data: {} },
              ]),
            );
        const ids = async (org: string) =>
          (
            await store.db.selectFrom('outbox').select('org_seq').where('org_id', '=', org).orderBy('seq').execute()
          ).map((r) => Number(r.org_seq));
        // What clients and receivers were shown stays as it was; what follows continues above 5.
        assert.deepEqual(await ids('org-a'), [1, 2, 4, 6]);
        assert.deepEqual(await ids('org-b'), [3, 5, 6, 7]);
        assert.deepEqual(await ids('org-c'), [6]);
        // An organization made after the upgrade starts at 1.
        assert.deepEqual(await ids('org-d'), [1]);
      } finally {
        await store.close();
        await db.drop();
      }
    });
  });
}
