/**
 * Alert rules: the routes (src/routes/alerts.ts) and the evaluator (src/services/alerts.ts). Every
 * metric is driven across its threshold and back by real ingest (or by its window moving on),
 * on both stores; each transition is one history row and one outbox event.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Alert, AlertHistory, AlertList, AlertPreview } from '@switchboard/contracts';
import { readOutbox } from '../../src/store/outbox.js';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, seed } from '../helpers.js';

const at = (ms: number) => new Date(ms).toISOString();

for (const dialect of DIALECTS) {
  describe(`alerts (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup();
    });
    after(() => t.close());
    const setup = async () => (await import('../helpers.js')).setup(dialect);

    const create = async (body: Record<string, unknown>) => {
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/alerts', body);
      assert.equal(res.statusCode, 201, res.body);
      assertShape(Alert, res.json());
      return res.json() as Alert;
    };
    const get = async (id: string) => (await call(t.app, t.adminKey, 'GET', `/api/v1/alerts/${id}`)).json() as Alert;
    const history = async (id: string) => {
      const res = await call(t.app, t.adminKey, 'GET', `/api/v1/alerts/${id}/history`);
      assert.equal(res.statusCode, 200, res.body);
      assertShape(AlertHistory, res.json());
      return (res.json() as AlertHistory).data;
    };
    /** The alert events of rule `id` on the outbox, oldest first. */
    const events = async (id: string) =>
      (await readOutbox(t.store.db, t.orgId, 0, 100_000))
        .filter((r) => r.type.startsWith('alert.') && JSON.parse(r.payload).rule.id === id)
        .map((r) => ({ type: r.type, ...JSON.parse(r.payload) }));
    const round = (now: number) => t.app.services.alerts.evaluate(now);
    const sessions = (agent: string, ids: string[], startedAt: number, over: Record<string, unknown> = {}) =>
      ids.map((id) => ({
        type: 'session',
        body: { id, agent: { id: agent }, channel: 'web', type: 'chat', startedAt: at(startedAt), ...over },
      }));
    const end = (id: string, status: string, endedAt: number) => ({
      type: 'session.update',
      body: { id, status, endedAt: at(endedAt) },
    });

    /** Asserts the rule's transitions so far (oldest first) in its history, its events and its state. */
    async function expectTransitions(id: string, states: Array<'firing' | 'ok'>, values?: Array<number | null>) {
      const h = (await history(id)).reverse();
      assert.deepEqual(
        h.map((x) => x.state),
        states,
        `history: ${JSON.stringify(h)}`,
      );
      if (values)
        assert.deepEqual(
          h.map((x) => (x.value === null ? null : Math.round(x.value * 1000) / 1000)),
          values,
        );
      const ev = await events(id);
      assert.deepEqual(
        ev.map((e) => e.type),
        states.map((s) => (s === 'firing' ? 'alert.fired' : 'alert.resolved')),
      );
      for (const [i, e] of ev.entries()) {
        assert.equal(e.value, h[i].value);
        assert.equal(e.threshold, h[i].threshold);
        assert.equal(typeof e.window, 'number');
        assertShape(Alert, e.rule);
      }
      assert.equal((await get(id)).state, states.at(-1) ?? 'ok');
    }

    test('sessions: fires when more start in the window than the threshold, resolves as the window moves on', async () => {
      const T = Date.now();
      const rule = await create({
        name: 'Busy',
        filters: 'agentId=m-sessions',
        metric: 'sessions',
        op: 'gt',
        threshold: 2,
        windowSeconds: 60,
      });
      await seed(t.app, t.adminKey, sessions('m-sessions', ['ms-1', 'ms-2'], T));
      await round(T + 1000);
      await expectTransitions(rule.id, []);
      assert.equal((await get(rule.id)).value, 2);
      await seed(t.app, t.adminKey, sessions('m-sessions', ['ms-3'], T + 2000));
      await round(T + 3000);
      await round(T + 4000);
      await expectTransitions(rule.id, ['firing'], [3]);
      await round(T + 61_000);
      await expectTransitions(rule.id, ['firing', 'ok'], [3, 1]);
    });

    test('sessions lt 1: "nothing is coming in" fires on silence and resolves when a session starts', async () => {
      const T = Date.now();
      const rule = await create({
        name: 'Silence',
        filters: 'agentId=m-silent',
        metric: 'sessions',
        op: 'lt',
        threshold: 1,
        windowSeconds: 300,
      });
      await round(T);
      await expectTransitions(rule.id, ['firing'], [0]);
      await seed(t.app, t.adminKey, sessions('m-silent', ['sil-1'], T + 1000));
      await round(T + 2000);
      await expectTransitions(rule.id, ['firing', 'ok'], [0, 1]);
    });

    test('failed and failureRate: sessions ended failed in the window', async () => {
      const T = Date.now();
      const failed = await create({
        name: 'Failures',
        filters: 'agentId=m-failed',
        metric: 'failed',
        op: 'gte',
        threshold: 2,
        windowSeconds: 60,
      });
      const rate = await create({
        name: 'Failure rate',
        filters: 'agentId=m-failed',
        metric: 'failureRate',
        op: 'gt',
        threshold: 0.5,
        windowSeconds: 60,
      });
      const ids = ['mf-1', 'mf-2', 'mf-3', 'mf-4', 'mf-5'];
      await seed(t.app, t.adminKey, [
        ...sessions('m-failed', ids, T - 30 * 60_000),
        end('mf-1', 'failed', T),
        end('mf-2', 'completed', T),
      ]);
      await round(T + 1000);
      // 1 failed of 2 ended: neither fires. Sessions started long ago count by when they ended.
      await expectTransitions(failed.id, []);
      await expectTransitions(rate.id, []);
      assert.equal((await get(rate.id)).value, 0.5);
      await seed(t.app, t.adminKey, [end('mf-3', 'failed', T + 2000)]);
      await round(T + 3000);
      await expectTransitions(failed.id, ['firing'], [2]);
      await expectTransitions(rate.id, ['firing'], [0.667]);
      await seed(t.app, t.adminKey, [end('mf-4', 'completed', T + 4000), end('mf-5', 'cancelled', T + 4000)]);
      await round(T + 5000);
      await expectTransitions(rate.id, ['firing', 'ok'], [0.667, 0.4]);
      await expectTransitions(failed.id, ['firing']);
      // A minute after the failures they are out of the window; no ended session left: no rate.
      await round(T + 65_000);
      await expectTransitions(failed.id, ['firing', 'ok'], [2, 0]);
      assert.equal((await get(rate.id)).value, null);
      await expectTransitions(rate.id, ['firing', 'ok']);
    });

    test('active: sessions active now, whatever the window', async () => {
      const T = Date.now();
      const rule = await create({
        name: 'Capacity',
        filters: 'agentId=m-active&channel=phone',
        metric: 'active',
        op: 'gte',
        threshold: 2,
        windowSeconds: 60,
      });
      await seed(t.app, t.adminKey, [
        ...sessions('m-active', ['ma-1', 'ma-2'], T - 3_600_000, { channel: 'phone' }),
        ...sessions('m-active', ['ma-web'], T, { channel: 'web' }),
      ]);
      await round(T + 1000);
      await expectTransitions(rule.id, ['firing'], [2]);
      await seed(t.app, t.adminKey, [end('ma-1', 'completed', T + 2000)]);
      await round(T + 3000);
      await expectTransitions(rule.id, ['firing', 'ok'], [2, 1]);
    });

    test('firstResponseP95Ms: a slow first answer fires; enough fast ones resolve it', async () => {
      const T = Date.now();
      const rule = await create({
        name: 'Slow',
        filters: 'agentId=m-slow',
        metric: 'firstResponseP95Ms',
        op: 'gt',
        threshold: 2000,
        windowSeconds: 600,
      });
      const conversation = (id: string, start: number, answerMs: number) => [
        ...sessions('m-slow', [id], start),
        { type: 'message', body: { sessionId: id, sender: 'user', content: 'hi', timestamp: at(start + 10) } },
        {
          type: 'message',
          body: { sessionId: id, sender: 'agent', content: 'hello', timestamp: at(start + 10 + answerMs) },
        },
      ];
      await seed(t.app, t.adminKey, conversation('slow-1', T, 5000));
      await round(T + 10_000);
      const fired = (await history(rule.id))[0];
      assert.equal(fired?.state, 'firing');
      assert.ok(Math.abs((fired.value ?? 0) - 5000) <= 100, `p95 ${fired.value}`);
      await seed(
        t.app,
        t.adminKey,
        Array.from({ length: 40 }, (_, i) => conversation(`fast-${i}`, T + 1000, 300)).flat(),
      );
      await round(T + 20_000);
      await expectTransitions(rule.id, ['firing', 'ok']);
      assert.ok(((await history(rule.id))[0].value ?? 0) < 400);
    });

    for (const [metric, eventType] of [
      ['handoffRate', 'agent_handoff'],
      ['errorRate', 'error'],
    ] as const)
      test(`${metric}: the share of sessions in the window with an ${eventType} event`, async () => {
        const T = Date.now();
        const agent = `m-${metric}`;
        const rule = await create({
          name: metric,
          filters: `agentId=${agent}`,
          metric,
          op: 'gte',
          threshold: 0.5,
          windowSeconds: 120,
        });
        await seed(t.app, t.adminKey, [
          ...sessions(agent, [`${metric}-1`, `${metric}-2`], T),
          { type: 'event', body: { sessionId: `${metric}-1`, type: eventType, timestamp: at(T + 100) } },
        ]);
        await round(T + 1000);
        await expectTransitions(rule.id, ['firing'], [0.5]);
        await seed(t.app, t.adminKey, sessions(agent, [`${metric}-3`, `${metric}-4`], T + 2000));
        await round(T + 3000);
        await expectTransitions(rule.id, ['firing', 'ok'], [0.5, 0.25]);
      });

    test('every op, at the threshold and past it: gt, gte, lt, lte', async () => {
      const T = Date.now();
      const rules = Object.fromEntries(
        await Promise.all(
          (['gt', 'gte', 'lt', 'lte'] as const).map(
            async (op) =>
              [
                op,
                await create({
                  name: op,
                  filters: 'agentId=m-ops',
                  metric: 'sessions',
                  op,
                  threshold: 2,
                  windowSeconds: 60,
                }),
              ] as const,
          ),
        ),
      );
      await seed(t.app, t.adminKey, sessions('m-ops', ['ops-1', 'ops-2'], T));
      // At the threshold: only the inclusive ops hold.
      await round(T + 1000);
      await expectTransitions(rules.gt.id, []);
      await expectTransitions(rules.gte.id, ['firing'], [2]);
      await expectTransitions(rules.lt.id, []);
      await expectTransitions(rules.lte.id, ['firing'], [2]);
      // Past it: above holds for gt and gte, and no longer for lte.
      await seed(t.app, t.adminKey, sessions('m-ops', ['ops-3'], T + 2000));
      await round(T + 3000);
      await expectTransitions(rules.gt.id, ['firing'], [3]);
      await expectTransitions(rules.gte.id, ['firing'], [2]);
      await expectTransitions(rules.lt.id, []);
      await expectTransitions(rules.lte.id, ['firing', 'ok'], [2, 3]);
      // Below it, once the window has moved past them all: lt and lte hold.
      await round(T + 70_000);
      await expectTransitions(rules.gt.id, ['firing', 'ok'], [3, 0]);
      await expectTransitions(rules.gte.id, ['firing', 'ok'], [2, 0]);
      await expectTransitions(rules.lt.id, ['firing'], [0]);
      await expectTransitions(rules.lte.id, ['firing', 'ok', 'firing'], [2, 3, 0]);
    });

    test('a firing rule does not fire again until it resolves, or until its cooldown has passed', async () => {
      const T = Date.now();
      const quiet = await create({
        name: 'No cooldown',
        filters: 'agentId=m-cool',
        metric: 'sessions',
        op: 'gte',
        threshold: 1,
        windowSeconds: 3600,
      });
      const reminded = await create({
        name: 'Cooldown',
        filters: 'agentId=m-cool',
        metric: 'sessions',
        op: 'gte',
        threshold: 1,
        windowSeconds: 3600,
        cooldownSeconds: 600,
      });
      await seed(t.app, t.adminKey, sessions('m-cool', ['cool-1'], T));
      for (const s of [1, 60, 300, 599]) await round(T + s * 1000);
      await expectTransitions(quiet.id, ['firing']);
      await expectTransitions(reminded.id, ['firing']);
      await round(T + 602_000);
      await round(T + 700_000);
      await expectTransitions(quiet.id, ['firing']);
      await expectTransitions(reminded.id, ['firing', 'firing']);
      await round(T + 1_203_000);
      await expectTransitions(reminded.id, ['firing', 'firing', 'firing']);
    });

    test('a disabled rule is not evaluated; disabling a firing one resolves it', async () => {
      const T = Date.now();
      const off = await create({
        name: 'Off',
        filters: 'agentId=m-off',
        metric: 'sessions',
        op: 'lt',
        threshold: 1,
        windowSeconds: 60,
        enabled: false,
      });
      const on = await create({
        name: 'On',
        filters: 'agentId=m-off',
        metric: 'sessions',
        op: 'lt',
        threshold: 1,
        windowSeconds: 60,
      });
      await round(T);
      await expectTransitions(off.id, []);
      assert.equal((await get(off.id)).evaluatedAt, null);
      await expectTransitions(on.id, ['firing']);
      const res = await call(t.app, t.adminKey, 'PATCH', `/api/v1/alerts/${on.id}`, { enabled: false });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().enabled, false);
      await expectTransitions(on.id, ['firing', 'ok'], [0, null]);
      await round(T + 1000);
      await expectTransitions(on.id, ['firing', 'ok']);
      // Enabled again, it starts from ok and fires on the next round.
      await call(t.app, t.adminKey, 'PATCH', `/api/v1/alerts/${on.id}`, { enabled: true });
      await round(T + 2000);
      await expectTransitions(on.id, ['firing', 'ok', 'firing']);
    });

    test('CRUD, scopes and clear 400s', async () => {
      const readKey = await t.key(['read']);
      const body = { name: 'R', metric: 'sessions', op: 'gt', threshold: 5, windowSeconds: 60 };
      assertProblem(await call(t.app, readKey, 'POST', '/api/v1/alerts', body), 403);
      const rule = await create(body);
      assert.equal(rule.filters, '');
      assert.equal(rule.cooldownSeconds, 0);
      assert.equal(rule.enabled, true);
      assert.equal(rule.state, 'ok');
      assert.equal(rule.slack, false);
      const list = await call(t.app, readKey, 'GET', '/api/v1/alerts');
      assert.equal(list.statusCode, 200);
      assertShape(AlertList, list.json());
      assert.ok(list.json().data.some((a: Alert) => a.id === rule.id));
      assert.equal((await call(t.app, readKey, 'GET', `/api/v1/alerts/${rule.id}/history`)).statusCode, 200);
      assertProblem(await call(t.app, readKey, 'PATCH', `/api/v1/alerts/${rule.id}`, { threshold: 1 }), 403);
      assertProblem(await call(t.app, readKey, 'DELETE', `/api/v1/alerts/${rule.id}`), 403);

      for (const [bad, paths] of [
        [{ ...body, metric: 'latency' }, ['/metric']],
        [{ ...body, op: 'eq' }, ['/op']],
        [{ ...body, windowSeconds: 59 }, ['/windowSeconds']],
        [{ ...body, windowSeconds: 86_401 }, ['/windowSeconds']],
        [{ ...body, threshold: '5' }, ['/threshold']],
        [{ ...body, name: '' }, ['/name']],
        [{ ...body, filters: 'channel=fax' }, ['/filters']],
        [{ ...body, filters: 'from=2026-01-01' }, ['/filters']],
        [{ ...body, filters: 'bogus=1' }, ['/filters']],
        [{ ...body, filters: 'turns[gte]=abc' }, ['/filters']],
        [{ ...body, slackUrl: 'http://127.0.0.1/hook' }, ['/slackUrl']],
        [{ ...body, slackUrl: 'not a url' }, ['/slackUrl']],
      ] as const) {
        const res = await call(t.app, t.adminKey, 'POST', '/api/v1/alerts', bad);
        assertProblem(res, 400, [...paths]);
      }
      const bad = await call(t.app, t.adminKey, 'POST', '/api/v1/alerts', { ...body, filters: 'channel=fax' });
      assert.match(JSON.stringify(bad.json().errors), /fax/);

      const patched = await call(t.app, t.adminKey, 'PATCH', `/api/v1/alerts/${rule.id}`, {
        threshold: 7,
        filters: 'channel=phone,web&metadata.plan=pro',
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().threshold, 7);
      assert.equal(patched.json().filters, 'channel=phone,web&metadata.plan=pro');
      assertProblem(await call(t.app, t.adminKey, 'PATCH', `/api/v1/alerts/${rule.id}`, {}), 400);
      assertProblem(await call(t.app, t.adminKey, 'GET', '/api/v1/alerts/nope'), 404);
      assertProblem(await call(t.app, t.adminKey, 'GET', '/api/v1/alerts/nope/history'), 404);
      assert.equal((await call(t.app, t.adminKey, 'DELETE', `/api/v1/alerts/${rule.id}`)).statusCode, 204);
      assertProblem(await call(t.app, t.adminKey, 'GET', `/api/v1/alerts/${rule.id}`), 404);
      assertProblem(await call(t.app, t.adminKey, 'DELETE', `/api/v1/alerts/${rule.id}`), 404);
    });

    test('preview: the value now and each hour of the last 24 h', async () => {
      const T = Date.now();
      await seed(t.app, t.adminKey, [
        ...sessions('m-preview', ['pv-1', 'pv-2'], T - 1000),
        ...sessions('m-preview', ['pv-old'], T - 5 * 3_600_000 - 1000),
      ]);
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/alerts/preview', {
        filters: 'agentId=m-preview',
        metric: 'sessions',
        windowSeconds: 3600,
      });
      assert.equal(res.statusCode, 200, res.body);
      const p = res.json() as AlertPreview;
      assertShape(AlertPreview, p);
      assert.equal(p.value, 2);
      assert.equal(p.points.length, 25);
      assert.equal(p.points.at(-1)?.value, 2);
      // The old session is in exactly one of the hourly windows.
      assert.equal(p.points.filter((x) => x.value === 1).length, 1);
      assertProblem(
        await call(t.app, t.adminKey, 'POST', '/api/v1/alerts/preview', {
          filters: 'status=nope',
          metric: 'sessions',
          windowSeconds: 60,
        }),
        400,
        ['/filters'],
      );
    });
  });
}
