/**
 * The webhook worker end to end: real app, real database, a real HTTP receiver on 127.0.0.1 and
 * the `standardwebhooks` package verifying every signature. Nothing is sent anywhere else.
 */
import assert from 'node:assert/strict';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebhookEnvelope } from '@switchboard/contracts';
import type { FastifyInstance } from 'fastify';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { buildApp } from '../../src/app.js';
import { fanOut } from '../../src/services/webhooks/dispatcher.js';
import { WebhookWorker, type WebhookWorkerOptions, retryAfterMs } from '../../src/services/webhooks/worker.js';
import { openStore, type Store } from '../../src/store/db.js';
import { claimDueDeliveries } from '../../src/store/webhooks.js';
import { DIALECTS, type TestContext, assertShape, call, session, setup } from '../helpers.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}
type Reply = { status: number; headers?: Record<string, string>; hang?: boolean };

/** An HTTP endpoint on 127.0.0.1 that answers from a script and records every request. */
async function receiver(script: (n: number, r: Received) => Reply = () => ({ status: 200 })) {
  const got: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      got.push(r);
      const reply = script(got.length, r);
      if (reply.hang) return;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const quiet = { info() {}, warn() {}, error() {} };
const FAST: WebhookWorkerOptions = { retrySchedule: [0.2, 0.2], timeoutSeconds: 2, allowPrivate: true, pollMs: 200 };

function verify(secret: string, r: Received) {
  return new StandardWebhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  });
}

for (const dialect of DIALECTS) {
  describe(`webhook worker (${dialect})`, () => {
    let t: TestContext;
    let app: FastifyInstance;
    const cleanup: Array<() => Promise<void>> = [];
    let worker: WebhookWorker | undefined;

    before(async () => {
      t = await setup(dialect);
      app = await buildApp({
        store: t.store,
        webDir: '/nonexistent',
        webhooks: { allowPrivate: true, onEnqueue: () => worker?.wake() },
      });
      await app.ready();
    });
    afterEach(async () => {
      await worker?.stop();
      worker = undefined;
      while (cleanup.length) await (cleanup.pop() as () => Promise<void>)();
      // Each test starts with no webhooks, so nothing it does reaches another test's receiver.
      await t.store.db.deleteFrom('webhooks').execute();
    });
    after(async () => {
      await app.close();
      await t.close();
    });

    const startWorker = (opts: Partial<WebhookWorkerOptions> = {}, store: Store = t.store) => {
      const w = new WebhookWorker(store, { ...FAST, ...opts }, quiet);
      w.start();
      return w;
    };
    const listen = async (script?: (n: number, r: Received) => Reply) => {
      const r = await receiver(script);
      cleanup.push(r.close);
      return r;
    };
    const hook = async (body: Record<string, unknown>) => {
      const res = await call(app, t.adminKey, 'POST', '/api/v1/webhooks', { events: ['*'], ...body });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; secret: string };
    };
    const deliveries = async (id: string) =>
      (await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${id}/deliveries?limit=100`)).json().data as Array<{
        id: string;
        eventId: string;
        eventType: string;
        status: string;
        attempts: number;
        lastResponseStatus: number | null;
        attemptLog: Array<{ attempt: number; responseStatus: number | null; error: string | null }>;
      }>;
    const newSession = async (over: Record<string, unknown> = {}) => {
      const res = await call(app, t.adminKey, 'POST', '/api/v1/sessions', session(over));
      assert.equal(res.statusCode, 201, res.body);
      return res.json().id as string;
    };

    test('500, 500, 200: three signed attempts with one webhook-id, all in the delivery log', async () => {
      const r = await listen((n) => ({ status: n < 3 ? 500 : 200 }));
      const w = await hook({ url: r.url, events: ['session.started'] });
      worker = startWorker();
      const sid = await newSession();
      await until('three attempts', () => r.got.length >= 3);
      await until('the log to show success', async () => (await deliveries(w.id))[0]?.status === 'succeeded');

      assert.equal(r.got.length, 3);
      const ids = new Set(r.got.map((g) => g.headers['webhook-id']));
      assert.equal(ids.size, 1, 'the same webhook-id on every retry');
      for (const g of r.got) {
        assert.equal(g.headers['content-type'], 'application/json');
        assert.match(String(g.headers['user-agent']), /^Switchboard-Webhooks\//);
        assert.match(String(g.headers['webhook-timestamp']), /^\d{10}$/);
        assert.match(String(g.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]+=*$/);
        const body = verify(w.secret, g) as { id: string; type: string; data: { id: string } };
        assertShape(WebhookEnvelope, body);
        assert.equal(body.type, 'session.started');
        assert.equal(body.data.id, sid);
        assert.equal(body.id, g.headers['webhook-id']);
        assert.match(body.id, /^\d+$/);
      }
      assert.ok(r.got[1].at - r.got[0].at >= 150, 'the retry waited for the schedule');
      const [d] = await deliveries(w.id);
      assert.equal(d.attempts, 3);
      assert.equal(d.lastResponseStatus, 200);
      assert.deepEqual(
        d.attemptLog.map((a) => [a.attempt, a.responseStatus]),
        [
          [1, 500],
          [2, 500],
          [3, 200],
        ],
      );
    });

    test('a delivery that keeps failing is failed after the last retry', async () => {
      const r = await listen(() => ({ status: 503 }));
      const w = await hook({ url: r.url, events: ['session.started'] });
      worker = startWorker();
      await newSession();
      await until('failed', async () => (await deliveries(w.id))[0]?.status === 'failed');
      const [d] = await deliveries(w.id);
      assert.equal(d.attempts, 3, 'the first attempt and one per scheduled retry');
      assert.equal(r.got.length, 3);
    });

    test('410 Gone disables the endpoint at once', async () => {
      const r = await listen(() => ({ status: 410 }));
      const w = await hook({ url: r.url, events: ['session.started'] });
      worker = startWorker();
      await newSession();
      await until(
        'disabled',
        async () => !(await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}`)).json().enabled,
      );
      const got = (await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}`)).json();
      assert.match(got.disabledReason, /410/);
      const [d] = await deliveries(w.id);
      assert.equal(d.status, 'failed');
      assert.equal(d.attempts, 1);
      await newSession();
      await sleep(400);
      assert.equal(r.got.length, 1, 'nothing more is sent to a disabled endpoint');
    });

    test('Retry-After on 429 is honoured', async () => {
      const r = await listen((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
      const w = await hook({ url: r.url, events: ['session.started'] });
      worker = startWorker();
      await newSession();
      await until('the second attempt', () => r.got.length >= 2, 5000);
      const gap = r.got[1].at - r.got[0].at;
      assert.ok(gap >= 950, `waited ${gap} ms for Retry-After: 1 (the schedule alone says 200 ms)`);
      await until('succeeded', async () => (await deliveries(w.id))[0]?.status === 'succeeded');
      assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:58 GMT')), 2000);
      assert.equal(retryAfterMs('soon'), null);
    });

    test('after a rotation every delivery carries two signatures, and both verify', async () => {
      const r = await listen();
      const w = await hook({ url: r.url, events: ['session.started'] });
      const rotated = (await call(app, t.adminKey, 'POST', `/api/v1/webhooks/${w.id}/rotate-secret`)).json();
      worker = startWorker();
      await newSession();
      await until('a delivery', () => r.got.length >= 1);
      const sigs = String(r.got[0].headers['webhook-signature']).split(' ');
      assert.equal(sigs.length, 2);
      verify(w.secret, r.got[0]);
      verify(rotated.secret, r.got[0]);
      // Each signature alone is the one for its secret.
      for (const [secret, sig] of [
        [rotated.secret, sigs[0]],
        [w.secret, sigs[1]],
      ])
        verify(secret, { ...r.got[0], headers: { ...r.got[0].headers, 'webhook-signature': sig } });
      assert.throws(() => verify(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, r.got[0]));
    });

    test('the test ping goes through the normal path, signed', async () => {
      const r = await listen();
      const w = await hook({ url: r.url, events: ['session.ended'], filters: { channel: ['sip'] } });
      worker = startWorker();
      const queued = (await call(app, t.adminKey, 'POST', `/api/v1/webhooks/${w.id}/test`)).json();
      await until('the ping', () => r.got.length >= 1);
      const body = verify(w.secret, r.got[0]) as { id: string; type: string };
      assert.equal(body.type, 'webhook.test');
      assert.equal(body.id, queued.eventId);
      await until('succeeded', async () => (await deliveries(w.id))[0]?.status === 'succeeded');
    });

    test('filters narrow deliveries: only failed phone sessions', async () => {
      const r = await listen();
      const rAll = await listen();
      const w = await hook({ url: r.url, filters: { channel: ['phone'], status: ['failed'] } });
      const all = await hook({ url: rAll.url, events: ['session.started'] });
      worker = startWorker();
      const ended = { endedAt: new Date().toISOString() };
      const target = await newSession({ channel: 'phone', status: 'failed', ...ended });
      const others = [
        await newSession({ channel: 'web', status: 'failed', ...ended }),
        await newSession({ channel: 'phone', status: 'completed', ...ended }),
        await newSession({ channel: 'phone' }),
      ];
      for (const id of [target, ...others]) {
        const res = await call(app, t.adminKey, 'POST', `/api/v1/sessions/${id}/messages`, {
          messages: [{ sender: 'user', content: 'hello' }],
        });
        assert.equal(res.statusCode, 201, res.body);
      }
      await until(
        'the unfiltered endpoint to hear all four sessions',
        async () => (await deliveries(all.id)).length === 4,
      );
      await until('the filtered deliveries', async () => (await deliveries(w.id)).length >= 3);
      await sleep(300);
      const got = await deliveries(w.id);
      assert.deepEqual(got.map((d) => d.eventType).sort(), ['message.created', 'session.ended', 'session.started']);
      await until('the filtered requests', () => r.got.length >= 3);
      assert.equal(r.got.length, 3);
      for (const g of r.got) {
        const body = verify(w.secret, g) as { data: { id: string; sessionId?: string } };
        assert.equal(body.data.sessionId ?? body.data.id, target);
      }
    });

    test('events: "*" gets every type, a list only those types', async () => {
      const r = await listen();
      const star = await hook({ url: r.url, events: ['*'] });
      const some = await hook({ url: r.url, events: ['message.created', 'session.ended'] });
      worker = startWorker();
      const id = await newSession();
      await call(app, t.adminKey, 'POST', `/api/v1/sessions/${id}/messages`, {
        messages: [{ sender: 'user', content: 'hi' }],
      });
      await call(app, t.adminKey, 'PATCH', `/api/v1/sessions/${id}`, { metadata: { plan: 'pro' } });
      await call(app, t.adminKey, 'PATCH', `/api/v1/sessions/${id}`, { status: 'completed' });
      await until('all of "*"', async () => (await deliveries(star.id)).length >= 5);
      await sleep(300);
      assert.deepEqual((await deliveries(star.id)).map((d) => d.eventType).sort(), [
        'event.created',
        'message.created',
        'session.ended',
        'session.started',
        'session.updated',
      ]);
      assert.deepEqual((await deliveries(some.id)).map((d) => d.eventType).sort(), [
        'message.created',
        'session.ended',
      ]);
      // Ids follow the outbox: they only grow, in the order things happened.
      const ids = (await deliveries(star.id)).map((d) => Number(d.eventId)).reverse();
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
      );
    });

    test('events from before a webhook existed are not delivered', async () => {
      const r = await listen();
      await newSession();
      const w = await hook({ url: r.url });
      await newSession();
      worker = startWorker();
      await until('one delivery', async () => (await deliveries(w.id)).length >= 1);
      await sleep(300);
      assert.equal((await deliveries(w.id)).length, 1);
    });

    test('with every endpoint paused the fan-out writes nothing; re-enabled, it hears only what came after', async () => {
      const r = await listen();
      const w = await hook({ url: r.url, events: ['session.started'] });
      const paused = await call(app, t.adminKey, 'PATCH', `/api/v1/webhooks/${w.id}`, { enabled: false });
      assert.equal(paused.statusCode, 200, paused.body);
      const cursor = async () =>
        Number((await t.store.db.selectFrom('webhook_cursor').select('last_seq').executeTakeFirst())?.last_seq ?? 0);
      const before = await cursor();
      const whilePaused = await newSession();
      // Nothing enabled: no transaction, so the cursor stays where it was (no commit per batch).
      assert.deepEqual(await fanOut(t.store), { rows: 0, deliveries: 0 });
      assert.equal(await cursor(), before);

      const resumed = await call(app, t.adminKey, 'PATCH', `/api/v1/webhooks/${w.id}`, { enabled: true });
      assert.equal(resumed.statusCode, 200, resumed.body);
      const afterwards = await newSession();
      worker = startWorker();
      await until('one delivery', () => r.got.length >= 1);
      await sleep(300);
      assert.equal(r.got.length, 1, 'the session started while paused is not delivered');
      assert.equal((JSON.parse(r.got[0].body) as { data: { id: string } }).data.id, afterwards);
      assert.notEqual(afterwards, whilePaused);
    });

    test('a worker stopped between attempts delivers after a restart', async () => {
      let failing = true;
      const r = await listen(() => ({ status: failing ? 500 : 200 }));
      const w = await hook({ url: r.url, events: ['session.started'] });
      // A long first retry, so the delivery is surely pending when the process stops.
      worker = startWorker({ retrySchedule: [0.6] });
      await newSession();
      await until('the first attempt', async () => (await deliveries(w.id))[0]?.attempts === 1);
      await worker.stop();
      failing = false;

      // A new process on the same database.
      const store2 = openStore(t.databaseUrl);
      cleanup.push(() => store2.close());
      worker = startWorker({ retrySchedule: [0.6] }, store2);
      await until('succeeded', async () => (await deliveries(w.id))[0]?.status === 'succeeded');
      assert.equal(r.got.length, 2);
      assert.equal(r.got[0].headers['webhook-id'], r.got[1].headers['webhook-id']);
    });

    test('an attempt cut short by stop() goes back to the queue and is sent by the next worker', async () => {
      let hang = true;
      const r = await listen(() => (hang ? { status: 200, hang: true } : { status: 200 }));
      const w = await hook({ url: r.url, events: ['session.started'] });
      worker = startWorker({ stopTimeoutMs: 200, timeoutSeconds: 30 });
      await newSession();
      await until('the request in flight', () => r.got.length >= 1);
      const started = Date.now();
      await worker.stop();
      assert.ok(Date.now() - started < 2000, 'stop() is bounded');
      const row = await t.store.db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('webhook_id', '=', w.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'pending');
      assert.equal(row.claimed_until, null, 'the lease was given back');
      assert.equal(Number(row.attempts), 0, 'an aborted attempt is not counted against the endpoint');
      hang = false;
      worker = startWorker();
      await until('succeeded', async () => (await deliveries(w.id))[0]?.status === 'succeeded');
      assert.equal(r.got.length, 2);
      assert.equal(r.got[0].headers['webhook-id'], r.got[1].headers['webhook-id']);
    });

    test('a delivery leased by a process that died is sent once its lease runs out', async () => {
      const r = await listen();
      const w = await hook({ url: r.url, events: ['session.started'] });
      await newSession();
      await fanOut(t.store);
      const now = Date.now();
      const [claimed] = await claimDueDeliveries(t.store.db, t.store.dialect, {
        now,
        limit: 10,
        leaseUntil: now + 600,
        token: 'a-process-that-crashed',
      });
      assert.ok(claimed);
      worker = startWorker();
      await sleep(300);
      assert.equal(r.got.length, 0, 'not while the lease holds');
      await until('succeeded', async () => (await deliveries(w.id))[0]?.status === 'succeeded');
      assert.equal(r.got.length, 1);
    });

    test('an endpoint that fails every attempt for the disable period is disabled', async () => {
      const r = await listen(() => ({ status: 500 }));
      const w = await hook({ url: r.url, events: ['session.started'] });
      worker = startWorker({ retrySchedule: [0.2, 0.2, 0.2, 0.2], disableAfterMs: 300 });
      await newSession();
      await until(
        'disabled',
        async () => !(await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}`)).json().enabled,
      );
      const got = (await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}`)).json();
      assert.match(got.disabledReason, /failed/);
    });

    test('a private address is refused at send time when allow-private is off', async () => {
      const r = await listen();
      // Registered while allowed (or via DNS that later changed); the sender checks again.
      const w = await hook({ url: r.url.replace('127.0.0.1', 'localhost'), events: ['session.started'] });
      const w2 = await hook({ url: r.url, events: ['session.started'] });
      worker = startWorker({ allowPrivate: false, retrySchedule: [] });
      await newSession();
      await until('both failed', async () =>
        (await Promise.all([deliveries(w.id), deliveries(w2.id)])).every((d) => d[0]?.status === 'failed'),
      );
      for (const id of [w.id, w2.id]) {
        const [d] = await deliveries(id);
        assert.equal(d.attemptLog[0].responseStatus, null);
        assert.match(String(d.attemptLog[0].error), /forbidden|refused/i);
      }
      assert.equal(r.got.length, 0, 'nothing reached the receiver');
    });

    if (dialect === 'postgres')
      test('two workers on one PostgreSQL database never make one attempt twice', async () => {
        const r = await listen(() => ({ status: 200 }));
        const w = await hook({ url: r.url, events: ['session.started'] });
        const store2 = openStore(t.databaseUrl);
        cleanup.push(() => store2.close());
        worker = startWorker({ pollMs: 50 });
        const second = startWorker({ pollMs: 50 }, store2);
        cleanup.push(() => second.stop());
        const n = 40;
        await Promise.all(Array.from({ length: n }, () => newSession()));
        await until('all delivered', async () => {
          const row = await t.store.db
            .selectFrom('webhook_deliveries')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('webhook_id', '=', w.id)
            .where('status', '=', 'succeeded')
            .executeTakeFirstOrThrow();
          return Number(row.n) === n;
        });
        await sleep(300);
        const ids = r.got.map((g) => String(g.headers['webhook-id']));
        assert.equal(ids.length, n, 'one request per event');
        assert.equal(new Set(ids).size, n, 'no event sent twice');
        const attempts = await t.store.db.selectFrom('webhook_attempts').selectAll().execute();
        assert.equal(attempts.filter((a) => a.attempt > 1).length, 0);
      });
  });
}
