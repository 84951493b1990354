/**
 * Where alert transitions go (src/services/alerts.ts): a Slack-compatible `{"text": …}` POST to
 * the rule's slackUrl, retried on the webhooks' schedule through the webhooks' HTTP code; the
 * `alert.fired` / `alert.resolved` events to webhooks subscribed to them and to the live stream.
 */
import assert from 'node:assert/strict';
import type { FastifyBaseLogger } from 'fastify';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { AlertJob, type JobClock, MAX_REST_MS, ROUND_REST } from '../../src/services/alerts.js';
import { WebhookWorker } from '../../src/services/webhooks/worker.js';
import { OutboxEnvelope } from '@switchboard/contracts';
import { slackMessagesOf } from '../../src/store/alerts.js';
import { DIALECTS, type TestContext, assertShape, call, session, setup } from '../helpers.js';
import { receiver, until } from '../security/proc.js';
import { connectSse } from '../sse.js';
import type { FastifyInstance } from 'fastify';

const quiet = { info() {}, warn() {}, error() {} } as unknown as FastifyBaseLogger;

/**
 * A clock the test moves by hand, for the job's schedule: `after` only records the timer, and
 * `advance` fires the ones that fall due. Each timer the job sets on it is a round to come, so
 * `fired` counts the rounds started.
 */
function handClock() {
  let now = 0;
  let timers: Array<{ at: number; fn: () => void }> = [];
  const clock = {
    fired: 0,
    now: () => now,
    after(ms: number, fn: () => void) {
      const timer = { at: now + ms, fn };
      timers.push(timer);
      return () => {
        timers = timers.filter((x) => x !== timer);
      };
    },
    /** When the next round is due, if one is. */
    get next(): number | undefined {
      return timers.length ? Math.min(...timers.map((x) => x.at)) : undefined;
    },
    /** Time passes while a round runs: nothing falls due. */
    pass(ms: number) {
      now += ms;
    },
    /** Moves to `at` and fires what falls due. */
    advanceTo(at: number) {
      now = Math.max(now, at);
      for (const x of timers.filter((x) => x.at <= now)) {
        timers = timers.filter((y) => y !== x);
        clock.fired++;
        x.fn();
      }
    },
  } satisfies JobClock & Record<string, unknown>;
  return clock;
}

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

    test('the live stream: an unfiltered stream gets each transition as it commits; a filtered one none', async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/v1`;
      const auth = { authorization: `Bearer ${t.adminKey}` };
      const all = await connectSse(`${base}/stream`, auth);
      const phone = await connectSse(`${base}/stream?channel=phone`, auth);
      try {
        assert.equal(all.status, 200);
        assert.equal(phone.status, 200);
        const rule = (
          await call(app, t.adminKey, 'POST', '/api/v1/alerts', {
            name: 'Streamed',
            filters: 'agentId=streamed&channel=phone',
            metric: 'active',
            op: 'gte',
            threshold: 1,
            windowSeconds: 60,
          })
        ).json();
        const T = Date.now();
        const s = session({ id: 'streamed-1', agent: { id: 'streamed' }, channel: 'phone' });
        await call(app, t.adminKey, 'POST', '/api/v1/sessions', s);
        await app.services.alerts.evaluate(T + 1000);
        await call(app, t.adminKey, 'PATCH', '/api/v1/sessions/streamed-1', { status: 'completed' });
        await app.services.alerts.evaluate(T + 2000);
        const alertEvents = (c: typeof all) => c.events.filter((e) => e.event?.startsWith('alert.'));
        await until('both transitions on the stream', () => alertEvents(all).length >= 2);
        const got = alertEvents(all).map((e) => JSON.parse(e.data));
        for (const env of got) assertShape(OutboxEnvelope, env);
        assert.deepEqual(
          got.map((e) => [e.type, e.data.rule.id, e.data.value, e.data.threshold, e.data.window]),
          [
            ['alert.fired', rule.id, 1, 1, 60],
            ['alert.resolved', rule.id, 0, 1, 60],
          ],
        );
        // The filtered stream: a phone session started after both transitions arrives, in commit
        // order, so any alert event would have come before it; none did.
        await call(
          app,
          t.adminKey,
          'POST',
          '/api/v1/sessions',
          session({ id: 'streamed-2', agent: { id: 'streamed' }, channel: 'phone' }),
        );
        await until('the later session on the filtered stream', () =>
          phone.events.some((e) => e.event === 'session.started' && e.data.includes('streamed-2')),
        );
        assert.ok(
          phone.events.some((e) => e.data.includes('streamed-1')),
          'the filtered stream is live',
        );
        assert.deepEqual(alertEvents(phone), []);
      } finally {
        all.close();
        phone.close();
      }
    });

    describe('the rest after a round', () => {
      const warnings: string[] = [];
      const log = { ...quiet, warn: (_: object, msg: string) => warnings.push(msg) } as unknown as FastifyBaseLogger;
      /** A rule that fires while agent `agent` starts nothing (1 h window), and a job on a hand clock. */
      async function silence(agent: string, intervalSeconds: number) {
        const res = await call(app, t.adminKey, 'POST', '/api/v1/alerts', {
          name: `Silence of ${agent}`,
          filters: `agentId=${agent}`,
          metric: 'sessions',
          op: 'lt',
          threshold: 1,
          windowSeconds: 3600,
        });
        assert.equal(res.statusCode, 201, res.body);
        const clock = handClock();
        const job = new AlertJob(
          t.store,
          app.services.alerts,
          { intervalSeconds, retrySchedule: [], timeoutSeconds: 2, allowPrivate: true },
          log,
          clock,
        );
        const state = async () => (await call(app, t.adminKey, 'GET', `/api/v1/alerts/${res.json().id}`)).json().state;
        /** Starts the round due now, lets it take `tookMs` and waits for its end (the next one scheduled). */
        const round = async (tookMs: number) => {
          const fired = clock.fired;
          assert.ok(clock.next !== undefined, 'a round is scheduled');
          clock.advanceTo(clock.next);
          assert.equal(clock.fired, fired + 1, 'a round was due');
          const started = clock.now();
          clock.pass(tookMs);
          await until('the end of the round', () => clock.next !== undefined);
          return { started, ended: started + tookMs };
        };
        return { clock, job, state, round };
      }

      test('a round that took T: the next starts 9 T after its end, not an interval after its start', async () => {
        const { clock, job, state, round } = await silence('rest-slow', 1);
        job.start();
        try {
          const { ended } = await round(2000);
          assert.equal(await state(), 'firing', 'the round evaluated the rule');
          assert.equal(clock.next, ended + ROUND_REST * 2000);
          await call(
            app,
            t.adminKey,
            'POST',
            '/api/v1/sessions',
            session({ id: 'rest-slow-1', agent: { id: 'rest-slow' } }),
          );
          // Every interval of the rest passes: no round, and the rule stays as the last round left it.
          for (let at = ended; at < ended + ROUND_REST * 2000; at += 1000) clock.advanceTo(at);
          clock.advanceTo(ended + ROUND_REST * 2000 - 1);
          assert.equal(clock.fired, 1);
          assert.equal(await state(), 'firing');
          // At 9 T the next round runs, and sees the session.
          await round(10);
          assert.equal(clock.fired, 2);
          assert.equal(await state(), 'ok');
        } finally {
          await job.stop();
        }
      });

      test('fast rounds: the interval governs, from each round’s start', async () => {
        const { clock, job, round } = await silence('rest-fast', 30);
        job.start();
        try {
          // A tenth of the interval or less: no rest beyond the interval.
          for (const took of [0, 50, 3000]) {
            const { started } = await round(took);
            assert.equal(clock.next, started + 30_000, `after a round of ${took} ms`);
          }
          // Just over a tenth: the rest.
          const { ended } = await round(3001);
          assert.equal(clock.next, ended + ROUND_REST * 3001);
          // A round longer than the interval: the next does not follow at once, it rests too.
          const long = await round(33_000);
          assert.equal(clock.next, long.ended + ROUND_REST * 33_000);
        } finally {
          await job.stop();
        }
      });

      test('a very slow round: the rest is at most 5 minutes, so a firing state is still noticed, and the log says why', async () => {
        const { clock, job, state, round } = await silence('rest-stuck', 30);
        warnings.length = 0;
        job.start();
        try {
          const { ended } = await round(40_000);
          assert.equal(await state(), 'firing');
          assert.equal(clock.next, ended + MAX_REST_MS, 'capped, not 9 × 40 s = 6 min');
          assert.equal(warnings.length, 1);
          assert.match(warnings[0], /took over 33 s/);
          await call(
            app,
            t.adminKey,
            'POST',
            '/api/v1/sessions',
            session({ id: 'rest-stuck-1', agent: { id: 'rest-stuck' } }),
          );
          // Even a round of ten minutes leaves five minutes of rest.
          const stuck = await round(600_000);
          assert.equal(await state(), 'ok');
          assert.equal(clock.next, stuck.ended + MAX_REST_MS);
          assert.equal(warnings.length, 2);
          // A round under 33 s rests 9 × its time again, without a warning.
          const { ended: after } = await round(30_000);
          assert.equal(clock.next, after + ROUND_REST * 30_000);
          assert.equal(warnings.length, 2);
        } finally {
          await job.stop();
        }
      });

      test('a restart starts fresh: the first round runs at once, whatever the last one took', async () => {
        const { clock, job, round } = await silence('rest-restart', 1);
        job.start();
        const { ended } = await round(40_000);
        assert.equal(clock.next, ended + MAX_REST_MS);
        await job.stop();
        assert.equal(clock.next, undefined, 'stopped: nothing scheduled');
        job.start();
        assert.equal(clock.next, clock.now(), 'started again: a round now');
        await round(10);
        await job.stop();
        // A new process (a new job on the same database) keeps nothing of the rest either.
        const fresh = new AlertJob(
          t.store,
          app.services.alerts,
          { intervalSeconds: 1, retrySchedule: [], timeoutSeconds: 2, allowPrivate: true },
          quiet,
          clock,
        );
        fresh.start();
        try {
          assert.equal(clock.next, clock.now());
        } finally {
          await fresh.stop();
        }
      });
    });
  });
}
