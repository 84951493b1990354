/**
 * Redaction end to end (services/redaction.ts, applied in services/ingest.ts): personal data sent
 * through every ingest path — the single routes, /ingest, OTLP, Vapi, Retell — is nowhere
 * afterwards: not in any table (nor the SQLite file's bytes), the live stream, a webhook body or
 * an export. `stats.redactions` counts what was replaced. On both stores.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { REDACTION_DETECTORS } from '@switchboard/contracts';
import { sql } from 'kysely';
import Retell from 'retell-sdk';
import { WebhookWorker } from '../../src/services/webhooks/worker.js';
import { connectSse, type SseClient } from '../sse.js';
import { call, DIALECTS, type TestContext, session, setup } from '../helpers.js';

const root = new URL('../../../../', import.meta.url).pathname;
const vapiEvents = JSON.parse(readFileSync(`${root}examples/voice-replay/vapi-call.json`, 'utf8')) as unknown[];
const retellEvents = JSON.parse(readFileSync(`${root}examples/voice-replay/retell-call.json`, 'utf8')) as unknown[];

/** The personal values sent, each as written; none may be found anywhere afterwards. */
const PII = {
  email: 'jane.roe@example.com',
  phone: '+44 20 7946 0958',
  card: '4111 1111 1111 1111',
  ip: '203.0.113.9',
  iban: 'GB82 WEST 1234 5698 7654 32',
  ssn: '078-05-1120',
  employee: 'EMP-731904',
};
const RAW = Object.values(PII);
const SENTENCE = `I am ${PII.email}, call ${PII.phone}; card ${PII.card}; from ${PII.ip}; IBAN ${PII.iban}; SSN ${PII.ssn}; badge ${PII.employee}.`;
const REDACTED =
  'I am [redacted:email], call [redacted:phone]; card [redacted:card]; from [redacted:ip]; IBAN [redacted:iban]; SSN [redacted:ssn]; badge [redacted:employee].';

const RETELL_KEY = 'key_5e1f0c3d9a7b4c2e8f6a1d0b';
const VAPI_SECRET = 'vapi-secret-redaction-3b7e';

const until = async <T>(
  what: string,
  probe: () => Promise<T | false | undefined> | T | false | undefined,
  ms = 15_000,
) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
};

/** An HTTP receiver on 127.0.0.1 recording every body it gets. */
async function receiver() {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every row of every table, as text: what a person with the database would see. */
async function everyRow(t: TestContext): Promise<string> {
  const db = t.store.db;
  const tables =
    t.dialect === 'sqlite'
      ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db)).rows
      : (
          await sql<{
            name: string;
          }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(
            db,
          )
        ).rows;
  const out: string[] = [];
  for (const { name } of tables) {
    const rows = (await sql`SELECT * FROM ${sql.table(name)}`.execute(db)).rows;
    out.push(`${name}: ${JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  }
  return out.join('\n');
}

/** The SQLite database's files as bytes (the main file, the WAL), decoded as UTF-8. */
function sqliteFiles(t: TestContext): string {
  const file = t.databaseUrl.replace(/^sqlite:/, '');
  const dir = dirname(file);
  return readdirSync(dir)
    .map((f) => readFileSync(`${dir}/${f}`).toString('utf8'))
    .join('\n');
}

const found = (text: string) => RAW.filter((v) => text.includes(v));

/** OTLP/JSON with the older gen_ai.prompt/completion attributes, a user id and a failed span. */
function otlpBody(conversation: string) {
  const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
  const t0 = Date.now() - 5_000;
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  return {
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', 'otlp-bot')] },
        scopeSpans: [
          {
            scope: { name: 'test' },
            spans: [
              {
                traceId: '5b8efff798038103d269b633813fc60c',
                spanId: 'eee19b7ec3c1b174',
                name: 'chat',
                kind: 3,
                startTimeUnixNano: ns(t0),
                endTimeUnixNano: ns(t0 + 800),
                attributes: [
                  attr('session.id', conversation),
                  attr('user.id', PII.email),
                  attr('gen_ai.prompt.0.role', 'user'),
                  attr('gen_ai.prompt.0.content', SENTENCE),
                  attr('gen_ai.completion.0.role', 'assistant'),
                  attr('gen_ai.completion.0.content', `Noted, ${PII.email}.`),
                ],
                status: { code: 2, message: `lookup failed for ${PII.phone}` },
              },
            ],
          },
        ],
      },
    ],
  };
}

/** The recorded calls, with personal data said during them and in their summaries. */
const withPii = (events: unknown[], word: string) =>
  JSON.parse(JSON.stringify(events).replaceAll(word, `${word} (${SENTENCE.replaceAll('"', '')})`)) as Array<
    Record<string, unknown>
  >;

for (const dialect of DIALECTS) {
  describe(`redaction on every ingest path (${dialect})`, () => {
    let t: TestContext;
    let base: string;
    let sse: SseClient;
    let hook: Awaited<ReturnType<typeof receiver>>;
    let worker: WebhookWorker;
    const sessions: Record<string, string> = {};

    before(async () => {
      t = await setup(dialect, { webhooks: { allowPrivate: true } });
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      const put = await call(t.app, t.adminKey, 'PUT', '/api/v1/settings/redaction', {
        detectors: REDACTION_DETECTORS,
        custom: [{ name: 'employee', pattern: 'EMP-\\d{6}' }],
      });
      assert.equal(put.statusCode, 200, put.body);
      sse = await connectSse(`${base}/api/v1/stream`, { authorization: `Bearer ${t.adminKey}` });
      hook = await receiver();
      const created = await call(t.app, t.adminKey, 'POST', '/api/v1/webhooks', { url: hook.url, events: ['*'] });
      assert.equal(created.statusCode, 201, created.body);
      worker = new WebhookWorker(
        t.store,
        { retrySchedule: [0.2], timeoutSeconds: 2, allowPrivate: true, pollMs: 100 },
        { info() {}, warn() {}, error() {} },
      );
      worker.start();
    });
    after(async () => {
      sse?.close();
      await worker?.stop();
      await hook?.close();
      await t.close();
    });

    test('the single routes: create, messages, events, update', async () => {
      const id = 'redact-single';
      sessions.single = id;
      const key = t.adminKey;
      let res = await call(
        t.app,
        key,
        'POST',
        '/api/v1/sessions',
        session({ id, metadata: { contact: PII.email, n: 7 } }),
      );
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(res.json().metadata, { contact: '[redacted:email]', n: 7 });
      const message = { id: 'm-1', sender: 'user', content: SENTENCE, metadata: { callback: PII.phone } };
      res = await call(t.app, key, 'POST', `/api/v1/sessions/${id}/messages`, { messages: [message] });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().messages[0].content, REDACTED);
      assert.deepEqual(res.json().messages[0].metadata, { callback: '[redacted:phone]' });
      // A retried message is a duplicate: answered as stored, counted once.
      res = await call(t.app, key, 'POST', `/api/v1/sessions/${id}/messages`, { messages: [message] });
      assert.equal(res.json().duplicates, 1);
      assert.equal(res.json().messages[0].content, REDACTED);
      res = await call(t.app, key, 'POST', `/api/v1/sessions/${id}/events`, {
        events: [{ type: 'tool_call', data: { args: { to: PII.email, tries: [PII.ip, 3] }, ok: true } }],
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(res.json().events[0].data, {
        args: { to: '[redacted:email]', tries: ['[redacted:ip]', 3] },
        ok: true,
      });
      res = await call(t.app, key, 'PATCH', `/api/v1/sessions/${id}`, {
        status: 'failed',
        endedReason: `could not reach ${PII.phone}`,
        metadata: { card: PII.card },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().endedReason, 'could not reach [redacted:phone]');
      assert.equal(res.json().metadata.card, '[redacted:card]');
      // 1 (create) + 7 + 1 (message) + 2 (event) + 1 + 1 (update); the duplicate added nothing.
      assert.equal(res.json().stats.redactions, 13);
      const detail = (await call(t.app, key, 'GET', `/api/v1/sessions/${id}`)).json();
      assert.equal(detail.stats.redactions, 13);
      // The same update again changes nothing, and counts nothing.
      res = await call(t.app, key, 'PATCH', `/api/v1/sessions/${id}`, {
        status: 'failed',
        metadata: { card: PII.card },
      });
      assert.equal(res.json().stats.redactions, 13);
    });

    test('a batch: session, message, event and update items', async () => {
      const id = 'redact-batch';
      sessions.batch = id;
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', {
        batch: [
          { type: 'session', body: session({ id, metadata: { ip: PII.ip } }) },
          { type: 'message', body: { sessionId: id, sender: 'user', content: SENTENCE } },
          { type: 'event', body: { sessionId: id, type: 'error', data: { message: `bad card ${PII.card}` } } },
          {
            type: 'session.update',
            body: { id, status: 'completed', endedReason: `mailed ${PII.email}`, metadata: { iban: PII.iban } },
          },
        ],
      });
      assert.equal(res.statusCode, 207, res.body);
      assert.ok(
        res.json().results.every((r: { status: number }) => r.status < 300),
        res.body,
      );
      const detail = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${id}`)).json();
      assert.equal(detail.messages[0].content, REDACTED);
      assert.equal(detail.endedReason, 'mailed [redacted:email]');
      assert.deepEqual(detail.metadata, { ip: '[redacted:ip]', iban: '[redacted:iban]' });
      assert.equal(detail.stats.redactions, 1 + 7 + 1 + 1 + 1);
    });

    test('OTLP traces', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/otlp/v1/traces',
        headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify(otlpBody('redact-otlp')),
      });
      assert.equal(res.statusCode, 200, res.body);
      sessions.otlp = 'redact-otlp';
      const detail = (await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/redact-otlp')).json();
      assert.equal(detail.metadata.userId, '[redacted:email]');
      const contents = detail.messages.map((m: { content: string }) => m.content);
      assert.deepEqual(contents, [REDACTED, 'Noted, [redacted:email].']);
      assert.ok(detail.stats.redactions >= 10, JSON.stringify(detail.stats));
    });

    test('Vapi and Retell calls', async () => {
      const make = async (provider: string, secret: string) => {
        const res = await call(t.app, t.adminKey, 'POST', '/api/v1/integrations', { provider, name: provider, secret });
        assert.equal(res.statusCode, 201, res.body);
        return res.json().url as string;
      };
      const vapiUrl = await make('vapi', VAPI_SECRET);
      for (const event of withPii(vapiEvents, 'appointment')) {
        const res = await t.app.inject({
          method: 'POST',
          url: vapiUrl,
          headers: { 'content-type': 'application/json', 'x-vapi-secret': VAPI_SECRET },
          payload: JSON.stringify(event),
        });
        assert.ok(res.statusCode < 300, res.body);
      }
      const retellUrl = await make('retell', RETELL_KEY);
      for (const event of withPii(retellEvents, 'cleaning')) {
        const body = JSON.stringify(event);
        const res = await t.app.inject({
          method: 'POST',
          url: retellUrl,
          headers: { 'content-type': 'application/json', 'x-retell-signature': await Retell.sign(body, RETELL_KEY) },
          payload: body,
        });
        assert.ok(res.statusCode < 300, res.body);
      }
      for (const source of ['vapi', 'retell']) {
        const list = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions?source=${source}`)).json().data;
        assert.equal(list.length, 1, `one ${source} session`);
        const detail = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${list[0].id}`)).json();
        sessions[source] = detail.id;
        assert.ok(
          detail.messages.some((m: { content: string }) => m.content.includes(REDACTED.slice(0, -1))),
          `${source}: the redacted sentence in the transcript`,
        );
        assert.ok(String(detail.metadata.summary).includes('[redacted:email]'), `${source}: summary redacted`);
        assert.ok(detail.stats.redactions > 7, `${source}: ${detail.stats.redactions} redactions`);
      }
    });

    test('no raw value anywhere: tables, database files, stream, webhook bodies, exports', async () => {
      assert.equal(Object.keys(sessions).length, 5, 'every path ran');
      const outbox = Number((await sql<{ n: number }>`SELECT count(*) AS n FROM outbox`.execute(t.store.db)).rows[0].n);
      await sse.waitFor(outbox, 15_000);
      await until(`${outbox} webhook deliveries`, () => hook.bodies.length >= outbox);
      const places: Record<string, string> = {
        tables: await everyRow(t),
        stream: sse.events.map((e) => e.data).join('\n'),
        webhooks: hook.bodies.join('\n'),
      };
      for (const format of ['csv', 'json', 'ndjson']) {
        const res = await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/export?format=${format}`);
        assert.equal(res.statusCode, 200, res.body);
        places[`export ${format}`] = res.body;
      }
      if (dialect === 'sqlite') places['database files'] = sqliteFiles(t);
      for (const [place, text] of Object.entries(places)) {
        assert.deepEqual(found(text), [], `raw personal data in ${place}`);
        assert.ok(text.includes('[redacted:email]'), `${place} holds the redacted sessions`);
      }
      // The same search finds the values when they are there: an organization without redaction.
      const other = await t.otherOrg();
      await call(t.app, other.key, 'POST', '/api/v1/sessions', session({ id: 'plain', metadata: { note: SENTENCE } }));
      assert.deepEqual(found(await everyRow(t)), RAW);
    });
  });
}
