/**
 * Alerts with three `switchboard serve` processes on one PostgreSQL: each evaluates every
 * second, but one at a time (advisory lock), so every transition is one history row, one outbox
 * event, one webhook delivery and one Slack message, whichever process saw it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { generateKey } from '../../src/lib/keys.js';
import { DIALECTS, freshDatabaseUrl } from '../helpers.js';
import { type Proc, api, receiver, serve, until } from '../security/proc.js';

const PG = DIALECTS.includes('postgres');

describe('alerts: three processes, one PostgreSQL', { skip: !PG && 'needs PostgreSQL' }, () => {
  let db: Awaited<ReturnType<typeof freshDatabaseUrl>>;
  let hooks: Awaited<ReturnType<typeof receiver>>;
  let slack: Awaited<ReturnType<typeof receiver>>;
  let procs: Proc[] = [];
  let key: string;
  let sql: pg.Client;

  before(async () => {
    db = await freshDatabaseUrl('postgres');
    hooks = await receiver();
    slack = await receiver();
    key = generateKey();
    const env = {
      DATABASE_URL: db.url,
      SWITCHBOARD_ADMIN_KEY: key,
      SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
      SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1,1,1',
      SWITCHBOARD_WEBHOOK_TIMEOUT: '2',
      SWITCHBOARD_ALERT_INTERVAL: '1',
    };
    procs = await Promise.all([serve(env), serve(env), serve(env)]);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await sql?.end();
    await hooks?.close();
    await slack?.close();
    await db?.drop();
  });

  test('each transition is delivered exactly once', async () => {
    const [a, b, c] = procs;
    const hook = await api(a.url, key, 'POST', '/api/v1/webhooks', {
      url: hooks.url,
      events: ['alert.fired', 'alert.resolved'],
    });
    assert.equal(hook.status, 201, hook.text);
    const rule = await api(b.url, key, 'POST', '/api/v1/alerts', {
      name: 'Line busy',
      filters: 'channel=phone',
      metric: 'active',
      op: 'gte',
      threshold: 1,
      windowSeconds: 60,
      slackUrl: slack.url,
    });
    assert.equal(rule.status, 201, rule.text);
    const id = rule.json.id as string;
    const state = async () => (await api(c.url, key, 'GET', `/api/v1/alerts/${id}`)).json.state as string;

    // Fired, resolved, fired again: sessions started and ended through different processes.
    for (const [i, p] of [a, b].entries()) {
      const sid = `busy-${i}`;
      const started = await api(p.url, key, 'POST', '/api/v1/sessions', {
        id: sid,
        agent: { id: 'line' },
        channel: 'phone',
        type: 'voice',
      });
      assert.equal(started.status, 201, started.text);
      await until(`firing ${i}`, async () => (await state()) === 'firing');
      if (i === 0) {
        const ended = await api(c.url, key, 'PATCH', `/api/v1/sessions/${sid}`, { status: 'completed' });
        assert.equal(ended.status, 200, ended.text);
        await until('resolved', async () => (await state()) === 'ok');
      }
    }
    const expected = ['alert.fired', 'alert.resolved', 'alert.fired'];
    await until('three webhook deliveries', () => hooks.got.length >= 3);
    await until('three Slack messages', () => slack.got.length >= 3);
    // Several more rounds on every process: nothing more is told.
    const settle = Date.now() + 3000;
    await until('three more seconds of rounds', () => Date.now() > settle);

    const history = (await api(a.url, key, 'GET', `/api/v1/alerts/${id}/history`)).json.data as Array<{
      state: string;
    }>;
    assert.deepEqual(history.map((h) => h.state).reverse(), ['firing', 'ok', 'firing']);
    const outbox = (await sql.query("SELECT type FROM outbox WHERE type LIKE 'alert.%' ORDER BY seq")).rows.map(
      (r) => r.type,
    );
    assert.deepEqual(outbox, expected);
    assert.deepEqual(
      hooks.got.map((r) => JSON.parse(r.body).type),
      expected,
    );
    assert.equal(new Set(hooks.got.map((r) => r.headers['webhook-id'])).size, 3);
    assert.deepEqual(
      slack.got.map((r) => /is firing|resolved/.exec(JSON.parse(r.body).text)?.[0]),
      ['is firing', 'resolved', 'is firing'],
    );
  });
});
