/**
 * Where alert transitions go (src/services/alerts.ts): a Slack-compatible `{"text": …}` POST to
 * the rule's slackUrl, retried on the webhooks' schedule through the webhooks' HTTP code; the
 * `alert.fired` / `alert.resolved` events to webhooks subscribed to them and to the live stream.
 */
import assert from 'node:assert/strict';
import type { FastifyBaseLogger } from 'fastify';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { AlertJob } from '../../src/services/alerts.js';
import { WebhookWorker } from '../../src/services/webhooks/worker.js';
import { slackMessagesOf } from '../../src/store/alerts.js';
import { DIALECTS, type TestContext, call, session, setup } from '../helpers.js';
import { receiver, until } from '../security/proc.js';
import type { FastifyInstance } from 'fastify';

const quiet = { info() {}, warn() {}, error() {} } as unknown as FastifyBaseLogger;

for (const dialect of DIALECTS) {
  describe(`alert notifications (${dialect})`, () => {
    let t: TestContext;
    let app: FastifyInstance;
    before(async () => {
      t = await setup(dialect);
      // The same store, with Slack URLs on 127.0.0.1 allowed (as SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE does).
      app = await buildApp({ store: t.store, webDir: '/nonexistent', webhooks: { allowPrivate: true } });
      await app.ready();
    });
    after(async () => {
      await app.close();
      await t.close();
    });

    test('Slack: one {"text"} POST per transition, retried after a failure, never again once sent', async () => {
      let failFirst = true;
      const slack = await receiver();
      const statuses: number[] = [];
      // A receiver that answers 500 to the first POST, as a flaky Slack would.
      const flaky = await (async () => {
        const { createServer } = await import('node:http');
        const got: string[] = [];
        const server = createServer((req, res) => {
          let body = '';
          req.on('data', (c) => (body += c));
          req.on('end', () => {
            got.push(body);
            const status = failFirst ? 500 : 200;
            failFirst = false;
            statuses.push(status);
            res.writeHead(status);
            res.end();
          });
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        const port = (server.address() as { port: number }).port;
        return {
          url: `http://127.0.0.1:${port}/slack`,
          got,
          close: () => new Promise<void>((r) => server.close(() => r())),
        };
      })();
      try {
        const res = await call(app, t.adminKey, 'POST', '/api/v1/alerts', {
          name: 'Nothing from the kiosk',
          filters: 'agentId=kiosk',
          metric: 'active',
          op: 'gte',
          threshold: 1,
          windowSeconds: 60,
          slackUrl: flaky.url,
        });
        assert.equal(res.statusCode, 201, res.body);
        const rule = res.json();
        assert.equal(rule.slack, true);
        assert.ok(!JSON.stringify(rule).includes(flaky.url), 'the URL is never shown');
        // A second rule to the plain receiver, to see a resolve message too.
        const other = await call(app, t.adminKey, 'POST', '/api/v1/alerts', {
          name: 'Kiosk busy',
          filters: 'agentId=kiosk',
          metric: 'active',
          op: 'gte',
          threshold: 1,
          windowSeconds: 60,
          slackUrl: slack.url,
        });
        assert.equal(other.statusCode, 201, other.body);

        const job = new AlertJob(
          t.store,
          app.services.alerts,
          { intervalSeconds: 0.2, retrySchedule: [0.1, 0.1], timeoutSeconds: 2, allowPrivate: true },
          quiet,
        );
        job.start();
        try {
          await call(app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'kiosk-1', agent: { id: 'kiosk' } }));
          await until('the retried Slack message', () => flaky.got.length >= 2);
          assert.deepEqual(statuses.slice(0, 2), [500, 200]);
          for (const body of flaky.got) {
            const text = JSON.parse(body).text as string;
            assert.match(text, /Nothing from the kiosk/);
            assert.match(text, /firing/);
            assert.match(text, /active is 1/);
          }
          await until('the other rule fires on Slack', () => slack.got.length >= 1);
          const end = await call(app, t.adminKey, 'PATCH', '/api/v1/sessions/kiosk-1', { status: 'completed' });
          assert.equal(end.statusCode, 200, end.body);
          await until('the resolve on Slack', () => slack.got.length >= 2);
          assert.match(JSON.parse(slack.got[1].body).text, /resolved: active is 0/);
          assert.equal(slack.got[0].headers['content-type'], 'application/json');
          // Some more rounds: nothing is sent twice.
          const rounds = Date.now() + 1000;
          await until('a second of rounds', () => Date.now() > rounds);
          assert.equal(flaky.got.length, 3, 'fired (failed, retried) and resolved');
          assert.equal(slack.got.length, 2);
          const log = await slackMessagesOf(t.store.db, rule.id);
          assert.deepEqual(
            log.map((m) => [m.status, Number(m.attempts)]),
            [
              ['succeeded', 1],
              ['succeeded', 2],
            ],
          );
        } finally {
          await job.stop();
        }
      } finally {
        await flaky.close();
        await slack.close();
      }
    });

    test('webhooks subscribed to alert events get each transition; filtered subscriptions do not', async () => {
      const hooks = await receiver();
      const worker = new WebhookWorker(
        t.store,
        { retrySchedule: [0.2], timeoutSeconds: 2, allowPrivate: true, pollMs: 100 },
        quiet,
      );
      try {
        const sub = await call(app, t.adminKey, 'POST', '/api/v1/webhooks', {
          url: hooks.url,
          events: ['alert.fired', 'alert.resolved'],
        });
        assert.equal(sub.statusCode, 201, sub.body);
        // A filtered subscription is about sessions: it does not get alert events.
        const filtered = await call(app, t.adminKey, 'POST', '/api/v1/webhooks', {
          url: `${hooks.url}?filtered`,
          events: ['*'],
          filters: { channel: ['phone'] },
        });
        assert.equal(filtered.statusCode, 201, filtered.body);
        worker.start();
        const rule = (
          await call(app, t.adminKey, 'POST', '/api/v1/alerts', {
            name: 'Hook me',
            filters: 'agentId=hooked',
            metric: 'sessions',
            op: 'lt',
            threshold: 1,
            windowSeconds: 60,
          })
        ).json();
        const T = Date.now();
        await app.services.alerts.evaluate(T);
        await call(app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'hooked-1', agent: { id: 'hooked' } }));
        await app.services.alerts.evaluate(T + 1000);
        await until('both alert deliveries', () => hooks.got.filter((r) => r.body.includes('"alert.')).length >= 2);
        const alerts = hooks.got.filter((r) => r.body.includes('"alert.'));
        assert.deepEqual(
          alerts.map((r) => JSON.parse(r.body).type),
          ['alert.fired', 'alert.resolved'],
        );
        const [fired, resolved] = alerts.map((r) => JSON.parse(r.body).data);
        assert.equal(fired.rule.id, rule.id);
        assert.deepEqual([fired.value, fired.threshold, fired.window], [0, 1, 60]);
        assert.equal(resolved.value, 1);
        const filteredLog = await call(app, t.adminKey, 'GET', `/api/v1/webhooks/${filtered.json().id}/deliveries`);
        assert.deepEqual(
          filteredLog.json().data.filter((d: { eventType: string }) => d.eventType.startsWith('alert.')),
          [],
        );
      } finally {
        await worker.stop();
        await hooks.close();
      }
    });
  });
}
