/**
 * One large session must not stall everyone: an ingest key could grow one session without end,
 * and every read of it (the detail, the dashboard, the export) built the whole transcript in
 * memory — 2,800 messages of 30 KB made a 54 MB response, and six parallel reads took /healthz to
 * 7.7 s. Reads are now paged and bounded by bytes, the export streams a large transcript a page
 * at a time, and a session has a ceiling on messages, events and bytes (422 past it).
 */
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { LIMITS } from '@switchboard/contracts';
import { DIALECTS, type TestContext, assertProblem, call, session, setup } from '../helpers.js';

const BIG = 'x'.repeat(30_000);
const bigMessages = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ sender: (from + i) % 2 ? 'agent' : 'user', content: `${from + i} ${BIG}` }));

for (const dialect of DIALECTS) {
  describe(`a large session (${dialect})`, () => {
    let t: TestContext;
    const COUNT = 600; // 18 MB of content: under the default 20 MiB ceiling.
    before(async () => {
      t = await setup(dialect);
      await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'huge' }));
      for (let i = 0; i < COUNT; i += 150) {
        const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/huge/messages', {
          messages: bigMessages(150, i),
        });
        assert.equal(res.statusCode, 201, res.body);
      }
    });
    after(() => t.close());

    test('parallel detail reads answer a bounded first page each, and /healthz answers meanwhile', async () => {
      const reads = Array.from({ length: 6 }, () => call(t.app, t.adminKey, 'GET', '/api/v1/sessions/huge'));
      const health = call(t.app, null, 'GET', '/healthz');
      const [healthz, ...details] = await Promise.all([health, ...reads]);
      assert.equal(healthz.statusCode, 200);
      for (const res of details) {
        assert.equal(res.statusCode, 200);
        // Was the whole transcript: 18 MB here, 54 MB in the report.
        assert.ok(res.body.length < LIMITS.transcriptPageBytes + 64 * 1024, `a detail of ${res.body.length} bytes`);
        const d = res.json();
        assert.equal(d.messageCount, COUNT);
        assert.equal(d.transcript.hasMore, true);
        assert.equal(d.messages.length, Math.floor(LIMITS.transcriptPageBytes / 30_005));
      }
    });

    test('the whole transcript is there, page by page, each page bounded', async () => {
      let cursor: string | null = (await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/huge')).json().transcript
        .nextCursor;
      let seen = Math.floor(LIMITS.transcriptPageBytes / 30_005);
      let pages = 1;
      while (cursor) {
        const res = await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/huge/transcript?limit=500&cursor=${cursor}`);
        assert.ok(res.body.length < LIMITS.transcriptPageBytes + 64 * 1024);
        const page = res.json();
        assert.equal(page.messages[0].seq, seen + 1);
        seen += page.messages.length;
        pages++;
        cursor = page.nextCursor;
      }
      assert.equal(seen, COUNT);
      assert.equal(pages, Math.ceil(COUNT / Math.floor(LIMITS.transcriptPageBytes / 30_005)));
    });

    for (const format of ['json', 'ndjson'] as const)
      test(`the ${format} export streams the session a page at a time, and it is whole`, async () => {
        const res = await t.app.inject({
          method: 'GET',
          url: `/api/v1/sessions/export?format=${format}`,
          headers: { authorization: `Bearer ${t.adminKey}` },
          payloadAsStream: true,
        });
        assert.equal(res.statusCode, 200);
        const chunks: Buffer[] = [];
        let largest = 0;
        for await (const chunk of res.stream() as Readable) {
          const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
          largest = Math.max(largest, b.length);
          chunks.push(b);
        }
        const text = Buffer.concat(chunks).toString('utf8');
        // The old export wrote each chunk of sessions as one string: here one of 18 MB.
        assert.ok(largest < 2 * LIMITS.transcriptPageBytes, `a piece of ${largest} bytes`);
        assert.ok(chunks.length >= COUNT / Math.floor(LIMITS.transcriptPageBytes / 30_005));
        const [s] =
          format === 'json'
            ? JSON.parse(text)
            : text
                .trimEnd()
                .split('\n')
                .map((l) => JSON.parse(l));
        assert.equal(s.id, 'huge');
        assert.equal(s.messages.length, COUNT);
        assert.deepEqual(
          s.messages.map((m: { seq: number }) => m.seq),
          Array.from({ length: COUNT }, (_, i) => i + 1),
        );
        assert.ok(s.messages.every((m: { content: string }, i: number) => m.content === `${i} ${BIG}`));
        assert.deepEqual(s.events, []);
      });
  });

  describe(`session ceilings (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect, { sessionLimits: { maxMessages: 5, maxEvents: 3, maxBytes: 4000 } });
    });
    after(() => t.close());
    const post = (url: string, body: unknown) => call(t.app, t.adminKey, 'POST', `/api/v1${url}`, body);
    const detail = async (id: string) => (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${id}`)).json();
    /** The byte count kept at ingest, against the stored transcript summed as migration 0018 does. */
    async function bytesOf(id: string) {
      const text = (c: string) => sql.raw(dialect === 'postgres' ? `${c}::text` : c);
      const { rows } = await sql<{ kept: number; stored: number }>`SELECT s.transcript_bytes AS kept,
        COALESCE((SELECT sum(octet_length(m.content) + octet_length(${text('m.metadata')}) + COALESCE(octet_length(${text('m.usage')}), 0))
          FROM messages m WHERE m.org_id = s.org_id AND m.session_pk = s.pk), 0)
        + COALESCE((SELECT sum(octet_length(${text('e.data')})) FROM session_events e WHERE e.org_id = s.org_id AND e.session_pk = s.pk), 0) AS stored
        FROM sessions s WHERE s.id = ${id}`.execute(t.store.db);
      return { kept: Number(rows[0].kept), stored: Number(rows[0].stored) };
    }

    test('an append past the message ceiling is a 422 naming the limit, and stores nothing of it', async () => {
      await post('/sessions', session({ id: 'c-1' }));
      assert.equal((await post('/sessions/c-1/messages', { messages: bigMessagesOf(3, 'a') })).statusCode, 201);
      const res = await post('/sessions/c-1/messages', { messages: bigMessagesOf(3, 'b') });
      const p = assertProblem(res, 422, ['/messages/2']);
      assert.match(p.type, /session-limit$/);
      assert.match(p.detail, /SWITCHBOARD_SESSION_MAX_MESSAGES=5/);
      const d = await detail('c-1');
      assert.equal(d.messageCount, 3);
      assert.equal(d.messages.length, 3);
      // What fits still goes in; a repeat of a stored id is a duplicate even at the ceiling.
      const two = bigMessagesOf(2, 'c');
      assert.equal((await post('/sessions/c-1/messages', { messages: two })).statusCode, 201);
      const again = await post('/sessions/c-1/messages', { messages: two });
      assert.equal(again.statusCode, 201);
      assert.equal(again.json().duplicates, 2);
      assertProblem(await post('/sessions/c-1/messages', { messages: bigMessagesOf(1, 'd') }), 422, ['/messages/0']);
      assert.equal((await detail('c-1')).messageCount, 5);
      const used = await bytesOf('c-1');
      assert.equal(used.kept, used.stored);
    });

    test('the byte ceiling counts content, metadata, usage and event data, exactly as stored', async () => {
      await post('/sessions', session({ id: 'b-1' }));
      const res = await post('/sessions/b-1/messages', {
        messages: [
          { sender: 'user', content: 'é'.repeat(500), metadata: { k: 'v' } },
          { sender: 'agent', content: 'ok', usage: { inputTokens: 3, model: 'm' } },
        ],
      });
      assert.equal(res.statusCode, 201, res.body);
      await post('/sessions/b-1/events', { events: [{ type: 'note', data: { text: 'ü'.repeat(100) } }] });
      const used = await bytesOf('b-1');
      assert.equal(used.kept, used.stored);
      // 1,000 + {"k":"v"}; 2 + {} + {"inputTokens":3,"model":"m"}; {"text":"…"} of 200 bytes.
      assert.equal(used.kept, 1000 + 9 + (2 + 2 + 29) + (9 + 200 + 2));
      // 4000 − 1253 left: 2,746 bytes of content (plus `{}`) is one too many.
      const over = await post('/sessions/b-1/messages', { messages: [{ sender: 'user', content: 'z'.repeat(2746) }] });
      const p = assertProblem(over, 422, ['/messages/0']);
      assert.match(p.detail, /SWITCHBOARD_SESSION_MAX_BYTES=4000/);
      const fits = await post('/sessions/b-1/messages', { messages: [{ sender: 'user', content: 'z'.repeat(2745) }] });
      assert.equal(fits.statusCode, 201, fits.body);
      assert.deepEqual(await bytesOf('b-1'), { kept: 4000, stored: 4000 });
      assertProblem(await post('/sessions/b-1/events', { events: [{ type: 'x' }] }), 422, ['/events/0']);
    });

    test('the event ceiling; ending a session at it still works', async () => {
      await post('/sessions', session({ id: 'e-1' }));
      assert.equal(
        (await post('/sessions/e-1/events', { events: [{ type: 'a' }, { type: 'b' }, { type: 'c' }] })).statusCode,
        201,
      );
      const p = assertProblem(await post('/sessions/e-1/events', { events: [{ type: 'd' }] }), 422, ['/events/0']);
      assert.match(p.detail, /SWITCHBOARD_SESSION_MAX_EVENTS=3/);
      const ended = await call(t.app, t.adminKey, 'PATCH', '/api/v1/sessions/e-1', { status: 'completed' });
      assert.equal(ended.statusCode, 200);
      const d = await detail('e-1');
      assert.equal(d.transcript.eventCount, 4);
      const used = await bytesOf('e-1');
      assert.equal(used.kept, used.stored);
    });

    test('POST /ingest refuses the items past the ceiling one by one and keeps the rest', async () => {
      const res = await post('/ingest', {
        batch: [
          { type: 'session', body: session({ id: 'i-1' }) },
          ...Array.from({ length: 7 }, (_, i) => ({
            type: 'message',
            body: { sessionId: 'i-1', id: `m${i}`, sender: 'user', content: `n${i}` },
          })),
          { type: 'message', body: { sessionId: 'i-1', id: 'm0', sender: 'user', content: 'n0' } },
          { type: 'event', body: { sessionId: 'i-1', type: 'big', data: { s: 'q'.repeat(4000) } } },
          { type: 'event', body: { sessionId: 'i-1', type: 'small' } },
        ],
      });
      assert.equal(res.statusCode, 207, res.body);
      const results = res.json().results;
      assert.deepEqual(
        results.map((r: { status: number }) => r.status),
        [201, 201, 201, 201, 201, 201, 422, 422, 201, 422, 201],
      );
      const refused = results[6].error;
      assert.match(refused.type, /session-limit$/);
      assert.deepEqual(
        refused.errors.map((e: { path: string }) => e.path),
        ['/batch/6/body'],
      );
      assert.match(results[9].error.detail, /SWITCHBOARD_SESSION_MAX_BYTES/);
      const d = await detail('i-1');
      assert.equal(d.messageCount, 5);
      assert.deepEqual(
        d.messages.map((m: { id: string }) => m.id),
        ['m0', 'm1', 'm2', 'm3', 'm4'],
      );
      assert.deepEqual(
        d.events.map((e: { type: string; seq: number }) => [e.type, e.seq]),
        [['small', 1]],
      );
      const used = await bytesOf('i-1');
      assert.equal(used.kept, used.stored);
    });
  });
}

function bigMessagesOf(n: number, tag: string) {
  return Array.from({ length: n }, (_, i) => ({ id: `${tag}${i}`, sender: 'user', content: `${tag}${i}` }));
}
