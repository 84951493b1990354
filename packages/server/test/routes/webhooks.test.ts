import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Webhook, WebhookDelivery, WebhookDeliveryList, WebhookList, WebhookWithSecret } from '@switchboard/contracts';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, session, setup } from '../helpers.js';

const URL_OK = 'http://127.0.0.1:9/hook';

for (const dialect of DIALECTS) {
  describe(`webhook routes (${dialect})`, () => {
    let t: TestContext;
    /** The app as an operator with SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=true runs it (receivers are on 127.0.0.1). */
    let app: FastifyInstance;
    let enqueued = 0;

    before(async () => {
      t = await setup(dialect);
      app = await buildApp({
        store: t.store,
        webDir: '/nonexistent',
        webhooks: { allowPrivate: true, onEnqueue: () => enqueued++ },
      });
      await app.ready();
    });
    after(async () => {
      await app.close();
      await t.close();
    });

    const create = async (body: Record<string, unknown> = {}) => {
      const res = await call(app, t.adminKey, 'POST', '/api/v1/webhooks', { url: URL_OK, events: ['*'], ...body });
      assert.equal(res.statusCode, 201, res.body);
      assertShape(WebhookWithSecret, res.json());
      return res.json();
    };

    test('POST /webhooks creates a webhook and shows its secret once', async () => {
      const res = await call(app, t.adminKey, 'POST', '/api/v1/webhooks', {
        url: URL_OK,
        events: ['session.ended', 'message.created'],
        description: 'ops alerts',
        filters: { channel: ['phone'], status: ['failed'], metadata: { plan: 'pro' } },
      });
      assert.equal(res.statusCode, 201, res.body);
      const w = res.json();
      assertShape(WebhookWithSecret, w);
      assert.match(w.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.equal(Buffer.from(w.secret.slice(6), 'base64').length, 32);
      assert.deepEqual(w.events, ['session.ended', 'message.created']);
      assert.deepEqual(w.filters, { channel: ['phone'], status: ['failed'], metadata: { plan: 'pro' } });
      assert.equal(w.enabled, true);
      assert.equal(w.disabledReason, null);

      const one = await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}`);
      assert.equal(one.statusCode, 200);
      assertShape(Webhook, one.json());
      assert.equal(one.json().secret, undefined, 'the secret is never shown again');
      const list = await call(app, t.adminKey, 'GET', '/api/v1/webhooks');
      assertShape(WebhookList, list.json());
      assert.ok(list.json().data.some((x: { id: string; secret?: string }) => x.id === w.id && x.secret === undefined));
    });

    test('bad input lists every bad field', async () => {
      const res = await call(app, t.adminKey, 'POST', '/api/v1/webhooks', {
        url: 5,
        events: ['session.exploded'],
        filters: { channel: ['fax'], transcript: 'refund' },
        color: 'red',
      });
      assertProblem(res, 400, ['/url', '/events/0', '/filters/channel/0', '/filters/transcript', '/color']);
      assertProblem(await call(app, t.adminKey, 'POST', '/api/v1/webhooks', {}), 400, ['/url', '/events']);
      assertProblem(
        await call(app, t.adminKey, 'POST', '/api/v1/webhooks', {
          url: 'ftp://example.com/x',
          events: ['*', 'session.ended'],
        }),
        400,
        ['/url', '/events'],
      );
      assertProblem(await call(app, t.adminKey, 'POST', '/api/v1/webhooks', { url: 'not a url', events: ['*'] }), 400, [
        '/url',
      ]);
      assertProblem(
        await call(app, t.adminKey, 'POST', '/api/v1/webhooks', { url: 'https://user:pw@127.0.0.1/', events: ['*'] }),
        400,
        ['/url'],
      );
      assertProblem(await call(app, t.adminKey, 'POST', '/api/v1/webhooks', { url: URL_OK, events: [] }), 400, [
        '/events',
      ]);
    });

    test('a webhook created without a description or filters has empty ones', async () => {
      const w = await create();
      assert.equal(w.description, '');
      assert.deepEqual(w.filters, {});
      const row = await t.store.db
        .selectFrom('webhooks')
        .select(['description', 'filters'])
        .where('id', '=', w.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { description: '', filters: '{}' });
    });

    test('a private URL is refused when SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE is off', async () => {
      // t.app is built without allowPrivate, as a default deployment runs.
      for (const url of [
        'http://127.0.0.1:8080/hook',
        'http://localhost/hook',
        'http://10.1.2.3/',
        'http://192.168.0.10/',
        'http://100.64.1.1/',
        'http://169.254.169.254/latest/meta-data/',
        'http://[::1]/',
        'http://[fd00:ec2::254]/',
        'http://[::ffff:10.0.0.1]/',
        'http://0.0.0.0/',
        // IPv6 forms that carry a private IPv4 address, and the documentation ranges.
        'http://[64:ff9b::7f00:1]/',
        'http://[64:ff9b:1::a00:1]/',
        'http://[2002:7f00:1::1]/',
        'http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/',
        'http://[::ffff:0:a00:1]/',
        'http://192.0.2.1/',
        'http://203.0.113.9/',
      ]) {
        const p = assertProblem(
          await call(t.app, t.adminKey, 'POST', '/api/v1/webhooks', { url, events: ['*'] }),
          400,
          ['/url'],
        );
        assert.match(p.errors[0].message, /loopback, private, link-local or metadata/, url);
      }
      const w = await create();
      assertProblem(
        await call(t.app, t.adminKey, 'PATCH', `/api/v1/webhooks/${w.id}`, { url: 'http://10.0.0.1/' }),
        400,
        ['/url'],
      );
    });

    test('PATCH changes url, events, description, filters and enabled', async () => {
      const w = await create();
      const res = await call(app, t.adminKey, 'PATCH', `/api/v1/webhooks/${w.id}`, {
        url: 'http://127.0.0.1:10/other',
        events: ['session.started'],
        description: 'changed',
        filters: { type: ['voice'] },
        enabled: false,
      });
      assert.equal(res.statusCode, 200, res.body);
      assertShape(Webhook, res.json());
      const got = res.json();
      assert.equal(got.url, 'http://127.0.0.1:10/other');
      assert.deepEqual(got.events, ['session.started']);
      assert.equal(got.description, 'changed');
      assert.deepEqual(got.filters, { type: ['voice'] });
      assert.equal(got.enabled, false);
      assert.ok(got.updatedAt >= w.updatedAt);
      const before = enqueued;
      const back = await call(app, t.adminKey, 'PATCH', `/api/v1/webhooks/${w.id}`, { enabled: true });
      assert.equal(back.json().enabled, true);
      assert.equal(enqueued, before + 1, 're-enabling wakes the worker for what is pending');

      assertProblem(await call(app, t.adminKey, 'PATCH', `/api/v1/webhooks/${w.id}`, {}), 400);
      assertProblem(
        await call(app, t.adminKey, 'PATCH', `/api/v1/webhooks/${w.id}`, {
          enabled: 'yes',
          events: ['*', 'x'],
          secret: 'a',
        }),
        400,
        ['/enabled', '/events/1', '/secret'],
      );
      assertProblem(await call(app, t.adminKey, 'PATCH', '/api/v1/webhooks/nope', { enabled: true }), 404);
    });

    test('DELETE removes the webhook and its deliveries', async () => {
      const w = await create();
      await call(app, t.adminKey, 'POST', `/api/v1/webhooks/${w.id}/test`);
      const res = await call(app, t.adminKey, 'DELETE', `/api/v1/webhooks/${w.id}`);
      assert.equal(res.statusCode, 204);
      assertProblem(await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}`), 404);
      assertProblem(await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}/deliveries`), 404);
      assertProblem(await call(app, t.adminKey, 'DELETE', `/api/v1/webhooks/${w.id}`), 404);
      const left = await t.store.db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('webhook_id', '=', w.id)
        .execute();
      assert.equal(left.length, 0);
    });

    test('rotate-secret returns a new secret', async () => {
      const w = await create();
      const res = await call(app, t.adminKey, 'POST', `/api/v1/webhooks/${w.id}/rotate-secret`);
      assert.equal(res.statusCode, 200, res.body);
      assertShape(WebhookWithSecret, res.json());
      assert.notEqual(res.json().secret, w.secret);
      assert.match(res.json().secret, /^whsec_/);
      const row = await t.store.db.selectFrom('webhooks').selectAll().where('id', '=', w.id).executeTakeFirstOrThrow();
      assert.equal(row.previous_secret, w.secret, 'the old secret keeps signing during the grace period');
      const left = Number(row.previous_secret_expires_at) - Date.now();
      assert.ok(left > 23.9 * 3600_000 && left <= 24 * 3600_000, `grace period ${left} ms`);
    });

    test('POST /test queues a webhook.test delivery (202)', async () => {
      const w = await create({ events: ['session.ended'] });
      const before = enqueued;
      const res = await call(app, t.adminKey, 'POST', `/api/v1/webhooks/${w.id}/test`);
      assert.equal(res.statusCode, 202, res.body);
      assertShape(WebhookDelivery, res.json());
      const d = res.json();
      assert.equal(d.eventType, 'webhook.test');
      assert.equal(d.status, 'pending');
      assert.equal(d.webhookId, w.id);
      assert.equal(d.attempts, 0);
      assert.deepEqual(d.attemptLog, []);
      assert.equal(enqueued, before + 1);

      await call(app, t.adminKey, 'PATCH', `/api/v1/webhooks/${w.id}`, { enabled: false });
      assertProblem(await call(app, t.adminKey, 'POST', `/api/v1/webhooks/${w.id}/test`), 409);
    });

    test('deliveries: newest first, limit, cursor, offset and status filter; retry', async () => {
      const w = await create();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await call(app, t.adminKey, 'POST', `/api/v1/webhooks/${w.id}/test`)).json().id);
      // One of them has finished, as the worker would record it.
      await t.store.db
        .updateTable('webhook_deliveries')
        .set({
          status: 'failed',
          attempts: 1,
          last_response_status: 500,
          last_error: 'HTTP 500',
          next_attempt_at: null,
        })
        .where('id', '=', ids[1])
        .execute();
      await t.store.db
        .insertInto('webhook_attempts')
        .values({
          delivery_id: ids[1],
          attempt: 1,
          at: Date.now(),
          response_status: 500,
          latency_ms: 12,
          error: 'HTTP 500',
        })
        .execute();

      const all = await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}/deliveries`);
      assert.equal(all.statusCode, 200, all.body);
      assertShape(WebhookDeliveryList, all.json());
      assert.deepEqual(
        all.json().data.map((d: { id: string }) => d.id),
        [...ids].reverse(),
      );
      assert.equal(all.json().pagination.total, 5);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: Array<{ id: string }>; pagination: { nextCursor: string | null } } = (
          await call(
            app,
            t.adminKey,
            'GET',
            `/api/v1/webhooks/${w.id}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          )
        ).json();
        seen.push(...page.data.map((d) => d.id));
        cursor = page.pagination.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, [...ids].reverse());

      const off = (await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}/deliveries?limit=2&offset=2`)).json();
      assert.deepEqual(
        off.data.map((d: { id: string }) => d.id),
        [ids[2], ids[1]],
      );
      assert.equal(off.pagination.hasMore, true);

      const failed = (await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}/deliveries?status=failed`)).json();
      assert.equal(failed.data.length, 1);
      assert.equal(failed.data[0].lastResponseStatus, 500);
      assert.deepEqual(
        failed.data[0].attemptLog.map((a: { attempt: number; responseStatus: number }) => [
          a.attempt,
          a.responseStatus,
        ]),
        [[1, 500]],
      );
      assert.equal(failed.data[0].nextAttemptAt, null);

      assertProblem(
        await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}/deliveries?status=lost&limit=0&extra=1`),
        400,
        ['status', 'limit', 'extra'],
      );
      assertProblem(await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}/deliveries?cursor=garbage`), 400, [
        'cursor',
      ]);
      // A real cursor with its fields changed is refused too, not read as some other position.
      const issued = (await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${w.id}/deliveries?limit=2`)).json()
        .pagination.nextCursor;
      const fields = JSON.parse(Buffer.from(issued, 'base64url').toString('utf8'));
      for (const forged of [{ ...fields, n: String(fields.n) }, { ...fields, id: 7 }, { n: fields.n }])
        assertProblem(
          await call(
            app,
            t.adminKey,
            'GET',
            `/api/v1/webhooks/${w.id}/deliveries?cursor=${Buffer.from(JSON.stringify(forged)).toString('base64url')}`,
          ),
          400,
          ['cursor'],
        );

      const before = enqueued;
      const retry = await call(app, t.adminKey, 'POST', `/api/v1/webhooks/${w.id}/deliveries/${ids[1]}/retry`);
      assert.equal(retry.statusCode, 202, retry.body);
      assertShape(WebhookDelivery, retry.json());
      assert.equal(retry.json().status, 'pending');
      assert.equal(retry.json().eventId, failed.data[0].eventId, 'the same webhook-id');
      assert.equal(retry.json().attemptLog.length, 1, 'the log is kept');
      assert.equal(enqueued, before + 1);
      assertProblem(await call(app, t.adminKey, 'POST', `/api/v1/webhooks/${w.id}/deliveries/nope/retry`), 404);
    });

    test("another organization's webhooks are 404 on every route, and absent from its list", async () => {
      const w = await create();
      const d = (await call(app, t.adminKey, 'POST', `/api/v1/webhooks/${w.id}/test`)).json();
      const other = await t.otherOrg();
      const base = `/api/v1/webhooks/${w.id}`;
      for (const [method, url, body] of [
        ['GET', base],
        ['PATCH', base, { enabled: false }],
        ['DELETE', base],
        ['POST', `${base}/rotate-secret`],
        ['POST', `${base}/test`],
        ['GET', `${base}/deliveries`],
        ['POST', `${base}/deliveries/${d.id}/retry`],
      ] as const)
        assertProblem(await call(app, other.key, method, url, body), 404);
      assert.deepEqual((await call(app, other.key, 'GET', '/api/v1/webhooks')).json().data, []);
      // A delivery id under another of one's own webhooks is not found either.
      const mine = (await call(app, other.key, 'POST', '/api/v1/webhooks', { url: URL_OK, events: ['*'] })).json();
      assertProblem(await call(app, other.key, 'POST', `/api/v1/webhooks/${mine.id}/deliveries/${d.id}/retry`), 404);
      assert.equal((await call(app, t.adminKey, 'GET', base)).json().enabled, true, 'untouched');
    });

    test('webhook routes need the admin scope', async () => {
      const read = await t.key(['read', 'ingest']);
      assertProblem(await call(app, read, 'GET', '/api/v1/webhooks'), 403);
      assertProblem(await call(app, read, 'POST', '/api/v1/webhooks', { url: URL_OK, events: ['*'] }), 403);
      assertProblem(await call(app, null, 'GET', '/api/v1/webhooks'), 401);
      // Sessions are still created normally with webhooks registered.
      assert.equal((await call(app, t.adminKey, 'POST', '/api/v1/sessions', session())).statusCode, 201);
    });
  });
}
