/**
 * `verifyWebhook` against signatures made by the `standardwebhooks` package (the spec's reference
 * implementation), and against real deliveries from Switchboard's own webhook worker, received
 * on 127.0.0.1 and checked with the SDK.
 */
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { buildApp } from '../../server/src/app.js';
import { WebhookWorker } from '../../server/src/services/webhooks/worker.js';
import { verifyWebhook, WebhookVerificationError, type WebhookEvent } from '../src/index.js';
import { DIALECTS, NOWHERE, type Served, client, serve, tap, until } from './helpers.js';

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const body = JSON.stringify({
  id: '1042',
  type: 'session.ended',
  occurredAt: '2026-11-24T10:20:00.000Z',
  data: { id: 'call-1', status: 'failed', emoji: 'näive ☎' },
});

function signed(secret = SECRET, at = new Date(), id = '1042', payload = body) {
  const signature = new StandardWebhook(secret).sign(id, at, payload);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

const refused = (message: RegExp) => (err: unknown) =>
  err instanceof WebhookVerificationError && message.test(err.message);

describe('verifyWebhook with standardwebhooks signatures', () => {
  test('accepts a genuine delivery given as text, bytes, Headers or Node headers', async () => {
    const headers = signed();
    const event = await verifyWebhook(SECRET, headers, body);
    assert.equal(event.type, 'session.ended');
    assert.deepEqual(event, JSON.parse(body));
    await verifyWebhook(SECRET, new Headers(headers), new TextEncoder().encode(body));
    await verifyWebhook(SECRET, { ...headers, 'webhook-id': [headers['webhook-id']] }, Buffer.from(body));
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    await verifyWebhook(SECRET, upper, body);
  });

  test('accepts any one of several signatures (secret rotation)', async () => {
    const other = `whsec_${Buffer.from('another secret of 32 bytes......').toString('base64')}`;
    const a = signed(SECRET);
    const b = signed(other);
    const both = { ...a, 'webhook-signature': `${b['webhook-signature']} ${a['webhook-signature']}` };
    await verifyWebhook(SECRET, both, body);
    await verifyWebhook(other, both, body);
    await verifyWebhook(SECRET, { ...a, 'webhook-signature': `v2,abc v1,!!! ${a['webhook-signature']}` }, body);
  });

  test('refuses tampering, the wrong secret, stale or future timestamps and missing headers', async () => {
    const headers = signed();
    await assert.rejects(verifyWebhook(SECRET, headers, body.replace('failed', 'completed')), refused(/signature/));
    await assert.rejects(verifyWebhook(SECRET, { ...headers, 'webhook-id': '1043' }, body), refused(/signature/));
    const wrong = `whsec_${Buffer.from('x'.repeat(32)).toString('base64')}`;
    await assert.rejects(verifyWebhook(wrong, headers, body), refused(/signature/));
    const old = signed(SECRET, new Date(Date.now() - 6 * 60_000));
    await assert.rejects(verifyWebhook(SECRET, old, body), refused(/too old/));
    const future = signed(SECRET, new Date(Date.now() + 6 * 60_000));
    await assert.rejects(verifyWebhook(SECRET, future, body), refused(/too new/));
    await verifyWebhook(SECRET, old, body, { toleranceSeconds: 600 });
    await verifyWebhook(SECRET, old, body, { now: Date.now() - 6 * 60_000 });
    const { 'webhook-signature': _, ...unsigned } = headers;
    await assert.rejects(verifyWebhook(SECRET, unsigned, body), refused(/Missing/));
    await assert.rejects(
      verifyWebhook(SECRET, { ...headers, 'webhook-timestamp': 'soon' }, body),
      refused(/timestamp/),
    );
  });
});

for (const dialect of DIALECTS) {
  describe(`verifyWebhook against Switchboard's own deliveries (${dialect})`, () => {
    let s: Served;
    let worker: WebhookWorker;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let receiver: Server;
    let url: string;
    const received: Array<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> = [];

    before(async () => {
      s = await serve(dialect);
      // A second app on the same database, allowed to deliver to 127.0.0.1, with its worker.
      app = await buildApp({
        store: s.t.store,
        webDir: '/nonexistent',
        webhooks: { allowPrivate: true, onEnqueue: () => worker?.wake() },
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      worker = new WebhookWorker(
        s.t.store,
        { retrySchedule: [0.2], timeoutSeconds: 2, allowPrivate: true, pollMs: 100 },
        {
          info() {},
          warn() {},
          error() {},
        },
      );
      worker.start();
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({ headers: req.headers, body: Buffer.concat(chunks) });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    });
    after(async () => {
      await worker.stop();
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
      await app.close();
      await s.close();
    });

    test('every delivery verifies with the secret from sb.webhooks.create, and after a rotation with both', async () => {
      const address = app.server.address() as AddressInfo;
      const sb = client(s, s.t.adminKey, { baseUrl: `http://127.0.0.1:${address.port}` });
      const hook = await sb.webhooks.create({
        url,
        events: ['session.started', 'session.ended'],
        description: 'sdk test',
      });
      assert.match(hook.secret, /^whsec_/);
      const session = await sb.sessions.start({ agent: 'hooked-bot', channel: 'phone', type: 'voice' });
      await session.end('failed', { endedReason: 'agent_error' });
      await until('two deliveries', () => received.length >= 2);

      // Deliveries run concurrently and promise no order; the event id gives it back.
      const byId = (a: (typeof received)[number], b: (typeof received)[number]) =>
        Number(a.headers['webhook-id']) - Number(b.headers['webhook-id']);
      received.sort(byId);
      const events: WebhookEvent[] = [];
      for (const r of received) events.push(await verifyWebhook(hook.secret, r.headers, r.body));
      assert.deepEqual(
        events.map((e) => e.type),
        ['session.started', 'session.ended'],
      );
      const ended = events[1];
      assert.ok(ended.type === 'session.ended' && ended.data.id === session.id && ended.data.status === 'failed');
      assert.equal(ended.id, received[1].headers['webhook-id']);

      const rotated = await sb.webhooks.rotateSecret(hook.id);
      assert.notEqual(rotated.secret, hook.secret);
      await sb.sessions.start({ agent: 'hooked-bot', channel: 'phone', type: 'voice' }, { wait: true });
      await until('the third delivery', () => received.length >= 3);
      const third = [...received].sort(byId)[2];
      assert.equal(String(third.headers['webhook-signature']).split(' ').length, 2, 'signed with both secrets');
      await verifyWebhook(rotated.secret, third.headers, third.body);
      await verifyWebhook(hook.secret, third.headers, third.body);
      await assert.rejects(verifyWebhook(SECRET, third.headers, third.body), WebhookVerificationError);

      const { data } = await sb.webhooks.deliveriesPage(hook.id);
      assert.equal(data.length, 3);
      assert.ok(data.every((d) => d.status === 'succeeded' && d.lastResponseStatus === 204));
      await sb.close();
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`sb.webhooks.deliveries (${dialect})`, () => {
    let s: Served;
    before(async () => {
      s = await serve(dialect);
    });
    after(() => s.close());

    test('iterates the whole delivery log across pages with the cursor, newest first, filtered', async () => {
      const wire = tap();
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch });
      const hook = await sb.webhooks.create({ url: NOWHERE, events: ['*'] });
      const sent: string[] = [];
      // Each test event is a delivery; nothing delivers them here, so all seven stay pending.
      for (let i = 0; i < 7; i++) sent.push((await sb.webhooks.sendTest(hook.id)).id);

      const pageRequests = () => wire.calls.filter((c) => c.path === `/api/v1/webhooks/${hook.id}/deliveries`);
      const all: string[] = [];
      for await (const d of sb.webhooks.deliveries(hook.id, { pageSize: 3 })) all.push(d.id);
      // Delivery ids are UUIDv7, so newest first is id descending.
      assert.deepEqual(all, [...sent].sort().reverse());
      const pages = pageRequests();
      assert.equal(pages.length, 3, 'three pages of three');
      assert.ok(pages.every((c) => c.url.includes('limit=3')));
      assert.ok(!pages[0].url.includes('cursor='));
      assert.ok(
        pages.slice(1).every((c) => c.url.includes('cursor=')),
        'later pages follow the cursor',
      );

      const pending: string[] = [];
      for await (const d of sb.webhooks.deliveries(hook.id, { status: 'pending', pageSize: 5 })) pending.push(d.id);
      assert.equal(pending.length, 7);
      for await (const _ of sb.webhooks.deliveries(hook.id, { status: 'succeeded' })) assert.fail('none succeeded');

      const before = pageRequests().length;
      for await (const _ of sb.webhooks.deliveries(hook.id, { pageSize: 2 })) break;
      assert.equal(pageRequests().length, before + 1, 'stopping early fetches no further page');

      const page = await sb.webhooks.deliveriesPage(hook.id, { limit: 2 });
      assert.equal(page.data.length, 2);
      assert.equal(page.pagination.total, 7);
      assert.ok(page.pagination.hasMore && page.pagination.nextCursor);
    });
  });
}
