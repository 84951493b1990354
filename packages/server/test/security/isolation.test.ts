/**
 * Tenant isolation, as a matrix over the app's real route table. Every route and method of the
 * running app (read from `printRoutes`) must either have a case here that proves a key of
 * organization B gets 404 for organization A's ids and never sees A's rows, or be named as
 * holding no tenant data. A route nobody thought about fails the suite, so a new route forces a
 * new case. (tenancy.test.ts covers same-id coexistence and aggregate counts in depth.)
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { redactionHandler } from '../../src/services/jobs/redaction.js';
import { fanOut } from '../../src/services/webhooks/dispatcher.js';
import { findJobRow } from '../../src/store/jobs.js';
import { type Person, PASSWORD, firstAdmin, personFrom, tokenOf } from '../people.js';
import { routeTable } from '../route-table.js';
import { connectSse } from '../sse.js';
import { DIALECTS, type Res, type TestContext, call, seed, session, setup } from '../helpers.js';

/** Text that appears in every row of A: no response to B may ever contain it. */
const MARK = 'orgA-secret-7f3a';

interface World {
  t: TestContext;
  a: string;
  b: string;
  ids: {
    session: string;
    webhook: string;
    delivery: string;
    key: string;
    integration: string;
    view: string;
    job: string;
    note: string;
    user: string;
    signIn: string;
    alert: string;
  };
  /** A's first admin (named MARK), and a person of B. */
  people: { a: Person; b: Person };
  base: string;
}

type Case = (w: World) => Promise<void>;

/** B's request for A's thing: a 404 problem that says nothing of A, and A's thing unchanged. */
async function notFoundForB(w: World, method: string, url: string, body?: unknown) {
  const res = await call(w.t.app, w.b, method as 'GET', url, body);
  assert.equal(res.statusCode, 404, `${method} ${url} as B → ${res.statusCode} ${res.body}`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.ok(!res.body.includes(MARK));
  // The same request for an id that exists nowhere answers the same way: no oracle.
  const nowhere = await call(
    w.t.app,
    w.b,
    method as 'GET',
    url.replace(/iso-a|[0-9a-f]{8}-[0-9a-f-]{27}/g, 'nowhere-0'),
    body,
  );
  assert.equal(nowhere.statusCode, 404);
  assert.equal(nowhere.json().type, res.json().type);
}

/** A list or aggregate read by B: 200, and not one byte of A's rows in it. */
async function noRowsOfA(w: World, url: string, expectB?: (res: Res) => void) {
  const res = await call(w.t.app, w.b, 'GET', url);
  assert.equal(res.statusCode, 200, `${url} as B → ${res.statusCode} ${res.body}`);
  assert.ok(!res.body.includes(MARK), `${url} as B shows A's rows: ${res.body.slice(0, 300)}`);
  for (const id of Object.values(w.ids))
    assert.ok(!new RegExp(`(^|[^\\w-])${id}([^\\w-]|$)`).test(res.body), `${url} as B shows A's id ${id}`);
  expectB?.(res);
  // And A does see its own rows through the same route, so the check above is not vacuous.
  const own = await call(w.t.app, w.a, 'GET', url);
  assert.equal(own.statusCode, 200);
}

const totalOfB = async (w: World): Promise<number> =>
  (await call(w.t.app, w.b, 'GET', '/api/v1/sessions')).json().pagination.total;

const detailOfA = async (w: World) => {
  const s = (await call(w.t.app, w.a, 'GET', `/api/v1/sessions/${w.ids.session}`)).json();
  assert.equal(s.status, 'active');
  assert.equal(s.messageCount, 1);
  assert.deepEqual(s.metadata, { secret: MARK });
};

/** A's tag (tags are lower case, so not MARK itself). */
const TAG_A = 'orga-secret-7f3a';

/** A's session as A sees it: its tags, scores, reviewed mark and notes untouched by B. */
const reviewOfA = async (w: World) => {
  const s = (await call(w.t.app, w.a, 'GET', `/api/v1/sessions/${w.ids.session}`)).json();
  assert.deepEqual(s.tags, [TAG_A]);
  assert.deepEqual(s.scores, { quality: 5 });
  assert.equal(s.reviewedAt, null);
  assert.deepEqual(
    s.notes.map((n: { id: string }) => n.id),
    [w.ids.note],
  );
};

/** A pattern holding A's mark that matches none of A's rows (redaction must not change them). */
const MARK_PATTERN = `${MARK}-pattern`;

/** Runs a case with A's own redaction settings saved, and turns them off again after it. */
function withRedactionOfA(check: Case): Case {
  return async (w) => {
    const res = await call(w.t.app, w.a, 'PUT', '/api/v1/settings/redaction', {
      detectors: ['email'],
      custom: [{ name: 'marker', pattern: MARK_PATTERN }],
    });
    assert.equal(res.statusCode, 200, res.body);
    try {
      await check(w);
    } finally {
      await call(w.t.app, w.a, 'PUT', '/api/v1/settings/redaction', { detectors: [], custom: [] });
    }
  };
}

const CASES: Record<string, Case> = {
  // ─── review ────────────────────────────────────────────────────────────────────────────────
  'PATCH /api/v1/sessions/:id/tags': async (w) => {
    await notFoundForB(w, 'PATCH', `/api/v1/sessions/${w.ids.session}/tags`, { tags: ['b'] });
    await reviewOfA(w);
  },
  'PUT /api/v1/sessions/:id/scores/:name': async (w) => {
    await notFoundForB(w, 'PUT', `/api/v1/sessions/${w.ids.session}/scores/quality`, { value: 1 });
    await reviewOfA(w);
  },
  'POST /api/v1/sessions/:id/notes': async (w) => {
    await notFoundForB(w, 'POST', `/api/v1/sessions/${w.ids.session}/notes`, { body: 'from b' });
    await reviewOfA(w);
  },
  'DELETE /api/v1/sessions/:id/notes/:noteId': async (w) => {
    await notFoundForB(w, 'DELETE', `/api/v1/sessions/${w.ids.session}/notes/${w.ids.note}`);
    // A's note through B's own session is no way in either.
    const res = await call(w.t.app, w.b, 'DELETE', `/api/v1/sessions/iso-b/notes/${w.ids.note}`);
    assert.equal(res.statusCode, 404);
    await reviewOfA(w);
  },
  'POST /api/v1/sessions/:id/review': async (w) => {
    await notFoundForB(w, 'POST', `/api/v1/sessions/${w.ids.session}/review`);
    await reviewOfA(w);
  },
  'DELETE /api/v1/sessions/:id/review': (w) => notFoundForB(w, 'DELETE', `/api/v1/sessions/${w.ids.session}/review`),
  'GET /api/v1/tags': (w) =>
    noRowsOfA(w, '/api/v1/tags', (res) => assert.ok(!res.body.includes(TAG_A), `B sees A's tag: ${res.body}`)),
  'GET /api/v1/views': (w) => noRowsOfA(w, '/api/v1/views'),
  'POST /api/v1/views': async (w) => {
    const res = await call(w.t.app, w.b, 'POST', '/api/v1/views', { name: 'b view', query: 'status=failed' });
    assert.equal(res.statusCode, 201, res.body);
    const ofA = (await call(w.t.app, w.a, 'GET', '/api/v1/views')).json().data as { id: string }[];
    assert.ok(!ofA.some((v) => v.id === res.json().id), 'B’s view shows in A’s list');
  },
  'GET /api/v1/views/:id': (w) => notFoundForB(w, 'GET', `/api/v1/views/${w.ids.view}`),
  'PATCH /api/v1/views/:id': async (w) => {
    await notFoundForB(w, 'PATCH', `/api/v1/views/${w.ids.view}`, { name: 'b' });
    assert.equal((await call(w.t.app, w.a, 'GET', `/api/v1/views/${w.ids.view}`)).json().name, MARK);
  },
  'DELETE /api/v1/views/:id': async (w) => {
    await notFoundForB(w, 'DELETE', `/api/v1/views/${w.ids.view}`);
    assert.equal((await call(w.t.app, w.a, 'GET', `/api/v1/views/${w.ids.view}`)).statusCode, 200);
  },
  'POST /api/v1/sessions/bulk': async (w) => {
    // Every session B can see, marked: the job holds B's sessions, none of A's.
    const ofB = await totalOfB(w);
    const res = await call(w.t.app, w.b, 'POST', '/api/v1/sessions/bulk', { filters: '', action: { addTags: ['x'] } });
    assert.equal(res.statusCode, 202, res.body);
    const job = (await call(w.t.app, w.b, 'GET', `/api/v1/jobs/${res.json().jobId}`)).json();
    assert.equal(job.total, ofB);
    await notFoundForB({ ...w, b: w.a }, 'GET', `/api/v1/jobs/${res.json().jobId}`);
  },
  'GET /api/v1/jobs/:id': (w) => notFoundForB(w, 'GET', `/api/v1/jobs/${w.ids.job}`),
  // ─── alerts ────────────────────────────────────────────────────────────────────────────────
  'POST /api/v1/alerts': async (w) => {
    const res = await call(w.t.app, w.b, 'POST', '/api/v1/alerts', {
      name: 'b-only',
      metric: 'sessions',
      op: 'gt',
      threshold: 1,
      windowSeconds: 60,
    });
    assert.equal(res.statusCode, 201, res.body);
    const ofA = (await call(w.t.app, w.a, 'GET', '/api/v1/alerts')).json().data as { id: string }[];
    assert.ok(!ofA.some((r) => r.id === res.json().id));
    await call(w.t.app, w.b, 'DELETE', `/api/v1/alerts/${res.json().id}`);
  },
  'GET /api/v1/alerts': (w) => noRowsOfA(w, '/api/v1/alerts'),
  'POST /api/v1/alerts/preview': async (w) => {
    // B's preview over A's metadata counts none of A's sessions.
    const res = await call(w.t.app, w.b, 'POST', '/api/v1/alerts/preview', {
      filters: `metadata.secret=${MARK}`,
      metric: 'active',
      windowSeconds: 60,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().value, 0);
    const own = await call(w.t.app, w.a, 'POST', '/api/v1/alerts/preview', {
      filters: `metadata.secret=${MARK}`,
      metric: 'active',
      windowSeconds: 60,
    });
    assert.ok(own.json().value >= 1, 'A sees its own sessions through the same preview');
  },
  'GET /api/v1/alerts/:id': (w) => notFoundForB(w, 'GET', `/api/v1/alerts/${w.ids.alert}`),
  'GET /api/v1/alerts/:id/history': (w) => notFoundForB(w, 'GET', `/api/v1/alerts/${w.ids.alert}/history`),
  'PATCH /api/v1/alerts/:id': async (w) => {
    await notFoundForB(w, 'PATCH', `/api/v1/alerts/${w.ids.alert}`, { enabled: false });
    assert.equal((await call(w.t.app, w.a, 'GET', `/api/v1/alerts/${w.ids.alert}`)).json().enabled, true);
  },
  'DELETE /api/v1/alerts/:id': async (w) => {
    await notFoundForB(w, 'DELETE', `/api/v1/alerts/${w.ids.alert}`);
    assert.equal((await call(w.t.app, w.a, 'GET', `/api/v1/alerts/${w.ids.alert}`)).statusCode, 200);
  },
  // ─── settings ──────────────────────────────────────────────────────────────────────────────
  'GET /api/v1/settings/redaction': withRedactionOfA(async (w) => {
    const res = await call(w.t.app, w.b, 'GET', '/api/v1/settings/redaction');
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(!res.body.includes(MARK), 'B sees A’s settings');
    assert.ok((await call(w.t.app, w.a, 'GET', '/api/v1/settings/redaction')).body.includes(MARK));
  }),
  'PUT /api/v1/settings/redaction': withRedactionOfA(async (w) => {
    const res = await call(w.t.app, w.b, 'PUT', '/api/v1/settings/redaction', { detectors: ['ip'], custom: [] });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(!res.body.includes(MARK));
    const ofA = (await call(w.t.app, w.a, 'GET', '/api/v1/settings/redaction')).json();
    assert.deepEqual(ofA.detectors, ['email'], 'B’s save changed A’s settings');
    assert.equal(ofA.custom[0].pattern, MARK_PATTERN);
    await call(w.t.app, w.b, 'PUT', '/api/v1/settings/redaction', { detectors: [], custom: [] });
  }),
  'POST /api/v1/settings/redaction/preview': withRedactionOfA(async (w) => {
    // B's saved settings (none, or its own) apply to B's preview, never A's.
    const text = `mail a@example.com about ${MARK_PATTERN}`;
    const res = await call(w.t.app, w.b, 'POST', '/api/v1/settings/redaction/preview', { text });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(!res.body.includes('[redacted:marker]'), 'A’s custom pattern applied to B');
    const own = await call(w.t.app, w.a, 'POST', '/api/v1/settings/redaction/preview', { text });
    assert.equal(own.json().text, 'mail [redacted:email] about [redacted:marker]');
  }),
  'POST /api/v1/settings/redaction/apply': withRedactionOfA(async (w) => {
    // B's redaction is off: A's settings never make B's job.
    const off = await call(w.t.app, w.b, 'POST', '/api/v1/settings/redaction/apply', { filters: '' });
    assert.equal(off.statusCode, 409, off.body);
    // B's own pattern matches A's mark, yet B's job holds B's sessions only and leaves A's rows.
    const put = await call(w.t.app, w.b, 'PUT', '/api/v1/settings/redaction', {
      detectors: [],
      custom: [{ name: 'mark', pattern: MARK }],
    });
    assert.equal(put.statusCode, 200, put.body);
    try {
      const res = await call(w.t.app, w.b, 'POST', '/api/v1/settings/redaction/apply', { filters: '' });
      assert.equal(res.statusCode, 202, res.body);
      const { jobId } = res.json();
      const handler = redactionHandler(w.t.store, (db, org) => w.t.app.services.redaction.storedRedactor(org, db), 50);
      for (;;) {
        const job = await findJobRow(w.t.store.db, jobId);
        if (!job || job.status === 'succeeded') break;
        await handler.step(job);
      }
      const job = (await call(w.t.app, w.b, 'GET', `/api/v1/jobs/${jobId}`)).json();
      assert.deepEqual([job.status, job.total], ['succeeded', await totalOfB(w)]);
      await notFoundForB({ ...w, b: w.a }, 'GET', `/api/v1/jobs/${jobId}`);
      await detailOfA(w);
    } finally {
      await call(w.t.app, w.b, 'PUT', '/api/v1/settings/redaction', { detectors: [], custom: [] });
    }
  }),
  // ─── integrations ──────────────────────────────────────────────────────────────────────────
  'POST /api/v1/integrations': async (w) => {
    const res = await call(w.t.app, w.b, 'POST', '/api/v1/integrations', {
      provider: 'retell',
      name: 'b-only',
      secret: 'b-retell-key',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.ok(!res.body.includes(MARK));
    const ofA = (await call(w.t.app, w.a, 'GET', '/api/v1/integrations')).json().data as { id: string }[];
    assert.ok(!ofA.some((i) => i.id === res.json().id), 'B’s integration shows in A’s list');
    await call(w.t.app, w.b, 'DELETE', `/api/v1/integrations/${res.json().id}`);
  },
  'GET /api/v1/integrations': (w) => noRowsOfA(w, '/api/v1/integrations'),
  'GET /api/v1/integrations/:id': (w) => notFoundForB(w, 'GET', `/api/v1/integrations/${w.ids.integration}`),
  'GET /api/v1/integrations/:id/requests': (w) =>
    notFoundForB(w, 'GET', `/api/v1/integrations/${w.ids.integration}/requests`),
  'DELETE /api/v1/integrations/:id': async (w) => {
    await notFoundForB(w, 'DELETE', `/api/v1/integrations/${w.ids.integration}`);
    assert.equal((await call(w.t.app, w.a, 'GET', `/api/v1/integrations/${w.ids.integration}`)).statusCode, 200);
  },
  'POST /api/integrations/:id': async (w) => {
    // No API key here: the platform's secret is the credential. B's key is no way into A's
    // integration, nor is a secret that is not A's; both store nothing in A.
    const call_ = { id: 'iso-a', type: 'webCall', status: 'in-progress', assistantId: 'asst' };
    const body = JSON.stringify({ message: { type: 'status-update', status: 'in-progress', call: call_ } });
    for (const headers of [{ authorization: `Bearer ${w.b}` }, { 'x-vapi-secret': 'b-retell-key' }]) {
      const res = await w.t.app.inject({
        method: 'POST',
        url: `/api/integrations/${w.ids.integration}`,
        headers: { 'content-type': 'application/json', ...headers },
        payload: body,
      });
      assert.equal(res.statusCode, 401, res.body);
      assert.ok(!res.body.includes(MARK));
    }
    await detailOfA(w);
  },
  'POST /api/otlp/v1/traces': async (w) => {
    // A conversation id that is A's session id creates B's own session, never touches A's. (An id
    // of its own: a session of B named like `iso-a` would change what the other cases prove.)
    const id = 'iso-a-otlp';
    const made = await call(w.t.app, w.a, 'POST', '/api/v1/sessions', session({ id, metadata: { secret: MARK } }));
    assert.equal(made.statusCode, 201, made.body);
    const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const at = Date.now() * 1e6;
    const res = await w.t.app.inject({
      method: 'POST',
      url: '/api/otlp/v1/traces',
      headers: { authorization: `Bearer ${w.b}`, 'content-type': 'application/json' },
      payload: {
        resourceSpans: [
          {
            resource: { attributes: [attr('service.name', 'b-bot')] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '0af7651916cd43dd8448eb211c80319c',
                    spanId: 'b7ad6b7169203331',
                    name: 'chat',
                    kind: 1,
                    startTimeUnixNano: String(at),
                    endTimeUnixNano: String(at + 1e7),
                    attributes: [
                      attr('gen_ai.conversation.id', id),
                      attr(
                        'gen_ai.input.messages',
                        JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'injected' }] }]),
                      ),
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
    });
    assert.equal(res.statusCode, 200, res.body);
    const ofA = (await call(w.t.app, w.a, 'GET', `/api/v1/sessions/${id}`)).json();
    assert.equal(ofA.messageCount, 0);
    assert.equal(ofA.source, 'api');
    const ofB = await call(w.t.app, w.b, 'GET', `/api/v1/sessions/${id}`);
    assert.equal(ofB.statusCode, 200, 'the spans made B’s own session');
    assert.equal(ofB.json().source, 'otlp');
    assert.ok(!ofB.body.includes(MARK));
  },
  // ─── sessions ──────────────────────────────────────────────────────────────────────────────
  'GET /api/v1/sessions': (w) =>
    noRowsOfA(w, `/api/v1/sessions?limit=500&search=${MARK}`, (r) => assert.equal(r.json().pagination.total, 0)),
  'GET /api/v1/sessions/metrics': async (w) => {
    const own = await totalOfB(w);
    await noRowsOfA(w, '/api/v1/sessions/metrics', (r) => assert.equal(r.json().totalSessions, own));
  },
  'GET /api/v1/sessions/timeseries': async (w) => {
    const own = await totalOfB(w);
    await noRowsOfA(w, '/api/v1/sessions/timeseries', (r) =>
      assert.equal(
        r.json().buckets.reduce((n: number, x: { total: number }) => n + x.total, 0),
        own,
      ),
    );
  },
  'GET /api/v1/sessions/export': async (w) => {
    for (const format of ['csv', 'json', 'ndjson']) await noRowsOfA(w, `/api/v1/sessions/export?format=${format}`);
  },
  'GET /api/v1/sessions/:id': (w) => notFoundForB(w, 'GET', `/api/v1/sessions/${w.ids.session}`),
  'GET /api/v1/sessions/:id/transcript': async (w) => {
    await notFoundForB(w, 'GET', `/api/v1/sessions/${w.ids.session}/transcript`);
    // A's cursor is no way into A's session for B either.
    const first = await call(w.t.app, w.a, 'GET', `/api/v1/sessions/${w.ids.session}/transcript?limit=1`);
    assert.equal(first.statusCode, 200);
    const own = await call(w.t.app, w.a, 'GET', `/api/v1/sessions/${w.ids.session}`);
    assert.equal(own.json().messages.length, 1);
    const cursor = Buffer.from(JSON.stringify({ i: w.ids.session, m: 0, e: 0, n: 0 })).toString('base64url');
    await notFoundForB(w, 'GET', `/api/v1/sessions/${w.ids.session}/transcript?cursor=${cursor}`);
  },
  'PATCH /api/v1/sessions/:id': async (w) => {
    await notFoundForB(w, 'PATCH', `/api/v1/sessions/${w.ids.session}`, { status: 'failed', metadata: { x: '1' } });
    await notFoundForB(w, 'PATCH', `/api/v1/sessions/${w.ids.session}`, { addTags: ['b'] });
    await detailOfA(w);
  },
  'POST /api/v1/sessions/:id/messages': async (w) => {
    await notFoundForB(w, 'POST', `/api/v1/sessions/${w.ids.session}/messages`, {
      messages: [{ sender: 'user', content: 'injected' }],
    });
    await detailOfA(w);
  },
  'POST /api/v1/sessions/:id/events': async (w) => {
    await notFoundForB(w, 'POST', `/api/v1/sessions/${w.ids.session}/events`, { events: [{ type: 'error' }] });
    await detailOfA(w);
  },
  'POST /api/v1/sessions': async (w) => {
    // Creating A's id in B is B's own new session, not a 409 that would reveal A's.
    const res = await call(w.t.app, w.b, 'POST', '/api/v1/sessions', session({ id: 'iso-a-2', channel: 'sip' }));
    assert.equal(res.statusCode, 201, res.body);
    assert.ok(!res.body.includes(MARK));
    await call(w.t.app, w.b, 'PATCH', '/api/v1/sessions/iso-a-2', { status: 'cancelled' });
    const own = (await call(w.t.app, w.a, 'GET', '/api/v1/sessions/iso-a-2')).json();
    assert.equal(own.status, 'active');
    assert.equal(own.channel, 'web');
  },
  'POST /api/v1/ingest': async (w) => {
    const res = await call(w.t.app, w.b, 'POST', '/api/v1/ingest', {
      batch: [
        { type: 'message', body: { sessionId: 'iso-a-only', sender: 'user', content: 'x' } },
        { type: 'event', body: { sessionId: 'iso-a-only', type: 'error' } },
        { type: 'session.update', body: { id: 'iso-a-only', status: 'failed' } },
      ],
    });
    assert.equal(res.statusCode, 207);
    assert.deepEqual(
      res.json().results.map((r: { status: number }) => r.status),
      [404, 404, 404],
    );
    assert.ok(!res.body.includes(MARK));
    assert.equal((await call(w.t.app, w.a, 'GET', '/api/v1/sessions/iso-a-only')).json().status, 'active');
  },
  'GET /api/v1/agents': (w) => noRowsOfA(w, '/api/v1/agents'),
  'GET /api/v1/agents/:id': async (w) => {
    // A's agent, by its id, is as unknown to B as an agent that exists nowhere.
    const res = await call(w.t.app, w.b, 'GET', `/api/v1/agents/agent-${MARK}`);
    assert.equal(res.statusCode, 404, res.body);
    const nowhere = await call(w.t.app, w.b, 'GET', '/api/v1/agents/agent-nowhere-0');
    assert.equal(nowhere.statusCode, 404);
    // The same problem, apart from the request's own id and path.
    const strip = (r: typeof res) => ({ ...r.json(), instance: undefined, requestId: undefined });
    assert.deepEqual(strip(res), strip(nowhere));
    assert.equal((await call(w.t.app, w.a, 'GET', `/api/v1/agents/agent-${MARK}`)).statusCode, 200);
  },
  'GET /api/v1/stream': async (w) => {
    // A replay from the very first event: everything B may see, and nothing of A's.
    const sse = await connectSse(`${w.base}/api/v1/stream`, { authorization: `Bearer ${w.b}`, 'last-event-id': '0' });
    try {
      assert.equal(sse.status, 200);
      await sse.waitFor(1);
      await new Promise((r) => setTimeout(r, 300));
      for (const e of sse.events) assert.ok(!e.data.includes(MARK), `B's stream carried A's event: ${e.data}`);
      // B's ids count B's events only: A's writes before and between B's leave no gap
      // (test/security/event-ids.test.ts has the attack in full).
      assert.deepEqual(
        sse.events.map((e) => e.id),
        sse.events.map((_, i) => String(i + 1)),
      );
    } finally {
      sse.close();
    }
  },
  // ─── admin ─────────────────────────────────────────────────────────────────────────────────
  'GET /api/v1/keys': (w) => noRowsOfA(w, '/api/v1/keys'),
  'POST /api/v1/keys': async (w) => {
    const res = await call(w.t.app, w.b, 'POST', '/api/v1/keys', { name: 'b-made', scopes: ['read'] });
    assert.equal(res.statusCode, 201);
    // The new key belongs to B: it cannot read A's session.
    await notFoundForB({ ...w, b: res.json().key }, 'GET', `/api/v1/sessions/${w.ids.session}`);
  },
  'DELETE /api/v1/keys/:id': async (w) => {
    await notFoundForB(w, 'DELETE', `/api/v1/keys/${w.ids.key}`);
    assert.equal((await call(w.t.app, w.a, 'GET', '/api/v1/auth/me')).statusCode, 200);
  },
  'GET /api/v1/webhooks': (w) => noRowsOfA(w, '/api/v1/webhooks', (r) => assert.equal(r.json().data.length, 0)),
  'POST /api/v1/webhooks': async (w) => {
    const res = await call(w.t.app, w.b, 'POST', '/api/v1/webhooks', { url: 'https://93.184.215.14/b', events: ['*'] });
    assert.equal(res.statusCode, 201, res.body);
    // B's endpoint is fanned out B's events only: A's later write never becomes its delivery.
    await call(w.t.app, w.a, 'POST', `/api/v1/sessions/${w.ids.session}/events`, {
      events: [{ type: 'later', data: { secret: MARK } }],
    });
    await call(w.t.app, w.b, 'PATCH', `/api/v1/sessions/iso-b`, { metadata: { touched: 'yes' } });
    while ((await fanOut(w.t.store)).rows > 0);
    const deliveries = await call(w.t.app, w.b, 'GET', `/api/v1/webhooks/${res.json().id}/deliveries`);
    assert.ok(deliveries.json().data.length >= 1, 'B’s own change was delivered');
    assert.ok(!deliveries.body.includes(MARK));
    await call(w.t.app, w.b, 'DELETE', `/api/v1/webhooks/${res.json().id}`);
  },
  'GET /api/v1/webhooks/:id': (w) => notFoundForB(w, 'GET', `/api/v1/webhooks/${w.ids.webhook}`),
  'PATCH /api/v1/webhooks/:id': async (w) => {
    await notFoundForB(w, 'PATCH', `/api/v1/webhooks/${w.ids.webhook}`, { enabled: false });
    assert.equal((await call(w.t.app, w.a, 'GET', `/api/v1/webhooks/${w.ids.webhook}`)).json().enabled, true);
  },
  'DELETE /api/v1/webhooks/:id': async (w) => {
    await notFoundForB(w, 'DELETE', `/api/v1/webhooks/${w.ids.webhook}`);
    assert.equal((await call(w.t.app, w.a, 'GET', `/api/v1/webhooks/${w.ids.webhook}`)).statusCode, 200);
  },
  'POST /api/v1/webhooks/:id/rotate-secret': async (w) => {
    const before = await w.t.store.db
      .selectFrom('webhooks')
      .select('secret')
      .where('id', '=', w.ids.webhook)
      .executeTakeFirstOrThrow();
    await notFoundForB(w, 'POST', `/api/v1/webhooks/${w.ids.webhook}/rotate-secret`);
    const now = await w.t.store.db
      .selectFrom('webhooks')
      .select('secret')
      .where('id', '=', w.ids.webhook)
      .executeTakeFirstOrThrow();
    assert.equal(now.secret, before.secret);
  },
  'POST /api/v1/webhooks/:id/test': (w) => notFoundForB(w, 'POST', `/api/v1/webhooks/${w.ids.webhook}/test`),
  'GET /api/v1/webhooks/:id/deliveries': (w) => notFoundForB(w, 'GET', `/api/v1/webhooks/${w.ids.webhook}/deliveries`),
  'POST /api/v1/webhooks/:id/deliveries/:deliveryId/retry': (w) =>
    notFoundForB(w, 'POST', `/api/v1/webhooks/${w.ids.webhook}/deliveries/${w.ids.delivery}/retry`),
  // ─── the caller's own identity ─────────────────────────────────────────────────────────────
  'GET /api/v1/auth/me': async (w) => {
    const me = (await call(w.t.app, w.b, 'GET', '/api/v1/auth/me')).json();
    assert.notEqual(me.organization.id, w.t.orgId);
    assert.ok(!JSON.stringify(me).includes(MARK));
  },
  // ─── people ────────────────────────────────────────────────────────────────────────────────
  'GET /api/v1/users': (w) => noRowsOfA(w, '/api/v1/users'),
  'PATCH /api/v1/users/:id': async (w) => {
    await notFoundForB(w, 'PATCH', `/api/v1/users/${w.ids.user}`, { role: 'viewer' });
    const ofA = (await call(w.t.app, w.a, 'GET', '/api/v1/users')).json().data as { id: string; role: string }[];
    assert.equal(ofA.find((u) => u.id === w.ids.user)?.role, 'admin');
  },
  'POST /api/v1/users/invitations': async (w) => {
    // A's member's address is free in B (a person in two organizations has two users), and the
    // invitation makes nobody in A.
    const res = await call(w.t.app, w.b, 'POST', '/api/v1/users/invitations', {
      email: w.people.a.email,
      role: 'admin',
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.ok(!res.body.includes(MARK));
    const ofA = (await call(w.t.app, w.a, 'GET', '/api/v1/users')).json().data as unknown[];
    assert.equal(ofA.length, 1);
  },
  'POST /api/v1/auth/invitations/accept': async (w) => {
    // B's invitation makes B's person, who sees none of A.
    const inv = await call(w.t.app, w.b, 'POST', '/api/v1/users/invitations', {
      email: 'iso-b@example.com',
      role: 'viewer',
    });
    const res = await call(w.t.app, null, 'POST', '/api/v1/auth/invitations/accept', {
      token: tokenOf(inv.json().url),
      name: 'B person',
      password: PASSWORD,
    });
    assert.equal(res.statusCode, 201, res.body);
    const person = personFrom(w.t, res);
    assert.equal((await person.call('GET', `/api/v1/sessions/${w.ids.session}`)).statusCode, 404);
    assert.ok(!(await person.call('GET', '/api/v1/sessions')).body.includes(MARK));
  },
  'POST /api/v1/auth/setup': async (w) => {
    // A setup link of another organization makes that organization's admin, not A's.
    const c = await w.t.otherOrg('org-c');
    const admin = await firstAdmin(w.t, 'c@example.com', 'C admin', c.orgId);
    assert.equal((await admin.call('GET', `/api/v1/sessions/${w.ids.session}`)).statusCode, 404);
    assert.ok(!(await admin.call('GET', '/api/v1/users')).body.includes(MARK));
  },
  'GET /api/v1/auth/sessions': async (w) => {
    const res = await w.people.b.call('GET', '/api/v1/auth/sessions');
    assert.equal(res.statusCode, 200);
    assert.ok(!res.body.includes(w.ids.signIn));
    assert.equal(res.json().data.length, 1);
  },
  'DELETE /api/v1/auth/sessions/:id': async (w) => {
    assert.equal((await w.people.b.call('DELETE', `/api/v1/auth/sessions/${w.ids.signIn}`)).statusCode, 404);
    assert.equal((await w.people.a.call('GET', '/api/v1/auth/me')).statusCode, 200);
  },
  'GET /api/v1/audit': (w) => noRowsOfA(w, '/api/v1/audit'),
  'POST /api/v1/auth/login': async (w) => {
    // B's key signs in to B's organization, and the cookie reads B's data only.
    const res = await call(w.t.app, null, 'POST', '/api/v1/auth/login', { key: w.b });
    assert.equal(res.statusCode, 200);
    const cookie = String(res.headers['set-cookie']).split(';')[0];
    const read = await call(w.t.app, null, 'GET', `/api/v1/sessions/${w.ids.session}`, undefined, { cookie });
    assert.equal(read.statusCode, 404);
  },
};

/** Routes that hold no organization's data, and why. Anything else needs a case above. */
const NO_TENANT_DATA: Record<string, string> = {
  'GET /healthz': 'process liveness',
  'GET /readyz': 'database reachability',
  'GET /metrics': 'process-wide request counters, no row data',
  'POST /api/v1/auth/logout': 'ends the caller’s own cookie',
  'GET /api/v1/auth/sso': 'whether SSO is configured',
  'GET /api/v1/auth/oidc/start': 'a redirect to the issuer (test/routes/oidc.test.ts)',
  'GET /api/v1/auth/oidc/callback': 'signs in whoever the issuer names, in the configured organization (oidc.test.ts)',
  'GET /api/openapi.json': 'the API description',
};
const isDocs = (route: string) => / \/api\/docs(\/|$)/.test(route);

/** HEAD is Fastify's automatic twin of GET: it answers with the GET's status and no body. */
async function headLikeGet(w: World, route: string) {
  const path = route.slice('HEAD '.length);
  if (!path.includes(':')) return;
  const url = path
    .replace(':deliveryId', w.ids.delivery)
    .replace(
      ':id',
      path.startsWith('/api/v1/webhooks')
        ? w.ids.webhook
        : path.startsWith('/api/v1/integrations')
          ? w.ids.integration
          : path.startsWith('/api/v1/agents')
            ? `agent-${MARK}`
            : path.startsWith('/api/v1/views')
              ? w.ids.view
              : path.startsWith('/api/v1/jobs')
                ? w.ids.job
                : path.startsWith('/api/v1/alerts')
                  ? w.ids.alert
                  : w.ids.session,
    );
  const res = await w.t.app.inject({ method: 'HEAD', url, headers: { authorization: `Bearer ${w.b}` } });
  assert.equal(res.statusCode, 404, `HEAD ${url} as B`);
}

for (const dialect of DIALECTS) {
  describe(`tenant isolation matrix (${dialect})`, () => {
    let w: World;
    let routes: string[];

    before(async () => {
      const t = await setup(dialect, { rateLimits: { read: 0, ingest: 0, export: 0 } });
      const b = await t.otherOrg('org-b');
      const a = t.adminKey;
      await seed(t.app, a, [
        {
          type: 'session',
          body: session({ id: 'iso-a', agent: { id: `agent-${MARK}`, name: MARK }, metadata: { secret: MARK } }),
        },
        { type: 'message', body: { sessionId: 'iso-a', sender: 'user', content: `words ${MARK}` } },
        { type: 'event', body: { sessionId: 'iso-a', type: 'error', data: { secret: MARK } } },
        { type: 'session', body: session({ id: 'iso-a-only', agent: { id: `agent-${MARK}` } }) },
        { type: 'session', body: session({ id: 'iso-a-2', agent: { id: `agent-${MARK}` } }) },
      ]);
      await seed(t.app, b.key, [
        { type: 'session', body: session({ id: 'iso-b', agent: { id: 'agent-b' }, metadata: { mine: 'b' } }) },
      ]);
      const hook = await call(t.app, a, 'POST', '/api/v1/webhooks', {
        url: 'https://93.184.215.14/a',
        events: ['*'],
        description: MARK,
      });
      assert.equal(hook.statusCode, 201, hook.body);
      const delivery = (await call(t.app, a, 'POST', `/api/v1/webhooks/${hook.json().id}/test`)).json().id;
      const keyId = (await call(t.app, a, 'POST', '/api/v1/keys', { name: MARK, scopes: ['read'] })).json().id;
      const made = await call(t.app, a, 'POST', '/api/v1/integrations', {
        provider: 'vapi',
        name: MARK,
        secret: `vapi-secret-${MARK}`,
      });
      assert.equal(made.statusCode, 201, made.body);
      const integration = made.json().id as string;
      await call(t.app, a, 'PATCH', '/api/v1/sessions/iso-a/tags', { tags: [TAG_A] });
      await call(t.app, a, 'PUT', '/api/v1/sessions/iso-a/scores/quality', { value: 5 });
      const note = (await call(t.app, a, 'POST', '/api/v1/sessions/iso-a/notes', { body: MARK })).json().id;
      const view = (await call(t.app, a, 'POST', '/api/v1/views', { name: MARK, query: `tag=${TAG_A}` })).json().id;
      const job = (
        await call(t.app, a, 'POST', '/api/v1/sessions/bulk', { filters: `tag=${TAG_A}`, action: { review: false } })
      ).json().jobId;
      const personA = await firstAdmin(t, 'iso-a@example.com', MARK);
      const signIn = (await personA.call('GET', '/api/v1/auth/sessions')).json().data[0].id as string;
      const invB = await call(t.app, b.key, 'POST', '/api/v1/users/invitations', {
        email: 'b@example.com',
        role: 'admin',
      });
      const personB = personFrom(
        t,
        await call(t.app, null, 'POST', '/api/v1/auth/invitations/accept', {
          token: tokenOf(invB.json().url),
          name: 'B admin',
          password: PASSWORD,
        }),
      );
      const rule = await call(t.app, a, 'POST', '/api/v1/alerts', {
        name: MARK,
        filters: `metadata.secret=${MARK}`,
        metric: 'active',
        op: 'gte',
        threshold: 1,
        windowSeconds: 60,
      });
      assert.equal(rule.statusCode, 201, rule.body);
      const alert = rule.json().id as string;
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      w = {
        people: { a: personA, b: personB },
        t,
        a,
        b: b.key,
        ids: {
          session: 'iso-a',
          webhook: hook.json().id,
          delivery,
          key: keyId,
          integration,
          view,
          job,
          note,
          user: personA.id,
          signIn,
          alert,
        },
        base: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`,
      };
      routes = routeTable(t.app.printRoutes({ commonPrefix: false }));
    });
    after(() => w.t.close());

    test('the route table is read from the app (sanity)', () => {
      assert.ok(routes.includes('GET /api/v1/sessions/:id'), routes.join('\n'));
      assert.ok(routes.length > 40, `${routes.length} routes`);
    });

    test('every route and method has an isolation case or is named as holding no tenant data', () => {
      const missing = routes.filter(
        (r) =>
          !CASES[r] &&
          !NO_TENANT_DATA[r] &&
          !isDocs(r) &&
          !(r.startsWith('HEAD ') && (CASES[`GET ${r.slice(5)}`] || NO_TENANT_DATA[`GET ${r.slice(5)}`])),
      );
      assert.deepEqual(missing, [], 'routes without a tenant-isolation case: add one to CASES (or NO_TENANT_DATA)');
      const stale = Object.keys(CASES).filter((c) => !routes.includes(c));
      assert.deepEqual(stale, [], 'cases for routes that no longer exist');
    });

    test('each case: B gets 404 for A’s ids and never sees A’s rows', async (ctx) => {
      for (const route of routes) {
        if (CASES[route]) await ctx.test(route, () => CASES[route](w));
        else if (route.startsWith('HEAD ') && CASES[`GET ${route.slice(5)}`])
          await ctx.test(route, () => headLikeGet(w, route));
      }
    });

    test('A’s session, messages and events are exactly as A wrote them after everything B tried', async () => {
      const s = (await call(w.t.app, w.a, 'GET', '/api/v1/sessions/iso-a')).json();
      assert.equal(s.status, 'active');
      assert.equal(s.messageCount, 1);
      assert.deepEqual(s.metadata, { secret: MARK });
      assert.deepEqual(
        s.messages.map((m: { content: string }) => m.content),
        [`words ${MARK}`],
      );
    });
  });
}
