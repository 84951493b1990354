/**
 * A session's transcript a page at a time: the first page in `GET /sessions/:id`, the rest from
 * `GET /sessions/:id/transcript` by cursor, bounded by count and by bytes, with the latencies
 * the whole conversation gives.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LIMITS, type Message, SessionDetail, type SessionEvent, TranscriptPage } from '@switchboard/contracts';
import { messagesToApi } from '../../src/store/sessions/rows.js';
import { findSession } from '../../src/store/sessions/write.js';
import { messagesOfSessions } from '../../src/store/sessions/transcript.js';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, session, setup } from '../helpers.js';

const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

for (const dialect of DIALECTS) {
  describe(`GET /sessions/:id/transcript (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    const post = (url: string, body: unknown) => call(t.app, t.adminKey, 'POST', `/api/v1${url}`, body);
    const get = (url: string) => call(t.app, t.adminKey, 'GET', `/api/v1${url}`);

    /** Every page from the detail on: the messages and events, and how many requests it took. */
    async function walk(id: string, limit?: number) {
      const detail = await get(`/sessions/${id}`);
      assert.equal(detail.statusCode, 200, detail.body);
      const d = detail.json();
      assertShape(SessionDetail, d);
      const messages: Message[] = [...d.messages];
      const events: SessionEvent[] = [...d.events];
      const sizes = [detail.body.length];
      let cursor: string | null = d.transcript.nextCursor;
      assert.equal(d.transcript.hasMore, cursor !== null);
      while (cursor) {
        const res = await get(`/sessions/${id}/transcript?cursor=${cursor}${limit ? `&limit=${limit}` : ''}`);
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json();
        assertShape(TranscriptPage, page);
        assert.ok(page.messages.length + page.events.length > 0, 'a page with more to come is never empty');
        messages.push(...page.messages);
        events.push(...page.events);
        sizes.push(res.body.length);
        cursor = page.nextCursor;
        assert.equal(page.hasMore, cursor !== null);
      }
      return { detail: d, messages, events, sizes };
    }

    /** The messages as the API shows them read whole (the reference the pages must equal). */
    async function whole(id: string) {
      const row = await findSession(t.store.db, t.orgId, id);
      assert.ok(row);
      return messagesToApi(await messagesOfSessions(t.store.db, [row]), id);
    }

    test('a small session has its whole transcript in the detail, and no cursor', async () => {
      await post('/sessions', session({ id: 'small-1' }));
      await post('/sessions/small-1/messages', {
        messages: [
          { sender: 'user', content: 'hi', timestamp: at(0) },
          { sender: 'agent', content: 'hello', timestamp: at(2) },
        ],
      });
      await post('/sessions/small-1/events', { events: [{ type: 'connection_established', timestamp: at(0) }] });
      const { detail, messages, sizes } = await walk('small-1');
      assert.equal(sizes.length, 1);
      assert.deepEqual(detail.transcript, { hasMore: false, nextCursor: null, eventCount: 1 });
      assert.deepEqual(messages, await whole('small-1'));
      assert.equal(messages[1].latencyMs, 2000);
    });

    test('pages by seq with a cursor: every message and event once, in order, latencies as read whole', async () => {
      await post('/sessions', session({ id: 'long-1' }));
      // 530 messages: user and agent in turn, agents without latencyMs (derived across pages).
      const all = Array.from({ length: 530 }, (_, i) => ({
        sender: i % 2 ? 'agent' : 'user',
        content: `line ${i}`,
        timestamp: at(i * 3 + (i % 2)),
      }));
      for (let i = 0; i < all.length; i += 500)
        await post('/sessions/long-1/messages', { messages: all.slice(i, i + 500) });
      await post('/sessions/long-1/events', {
        events: Array.from({ length: 230 }, (_, i) => ({ type: 'tick', timestamp: at(i * 7), data: { i } })),
      });
      const { detail, messages, events, sizes } = await walk('long-1', 97);
      assert.equal(detail.messages.length, LIMITS.transcriptPageDefault);
      assert.equal(detail.events.length, LIMITS.transcriptPageDefault);
      assert.equal(detail.transcript.eventCount, 230);
      assert.equal(detail.messageCount, 530);
      // 200 in the detail, then 97 a page: 330 more messages take 4 pages.
      assert.equal(sizes.length, 1 + Math.ceil(330 / 97));
      assert.deepEqual(
        messages.map((m) => m.seq),
        all.map((_, i) => i + 1),
      );
      assert.deepEqual(
        events.map((e) => e.seq),
        Array.from({ length: 230 }, (_, i) => i + 1),
      );
      assert.deepEqual(messages, await whole('long-1'));
      assert.ok(messages.filter((m) => m.sender === 'agent').every((m) => m.latencyMs === 4000));
    });

    test('a late message (older timestamp, higher seq) still gets the latencies of the whole conversation', async () => {
      await post('/sessions', session({ id: 'late-1' }));
      const first = Array.from({ length: 40 }, (_, i) => ({
        sender: i % 2 ? 'agent' : 'user',
        content: `m ${i}`,
        timestamp: at(i * 10),
      }));
      await post('/sessions/late-1/messages', { messages: first });
      // A user message delivered late, belonging between messages 20 and 21: agent 21's latency
      // now runs from it.
      await post('/sessions/late-1/messages', { messages: [{ sender: 'user', content: 'late', timestamp: at(203) }] });
      const { messages } = await walk('late-1');
      const reference = await whole('late-1');
      assert.deepEqual(messages, reference);
      assert.equal(messages.find((m) => m.seq === 22)?.latencyMs, 7000);
      // And paged in small pages, across the late message's neighbours.
      const detail = (await get('/sessions/late-1')).json();
      const pages: Message[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`/sessions/late-1/transcript?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        pages.push(...res.json().messages);
        cursor = res.json().nextCursor;
      } while (cursor);
      assert.deepEqual(pages, reference);
      assert.deepEqual(detail.messages, reference);
    });

    test('a page stops at 512 KiB of messages however high the limit', async () => {
      await post('/sessions', session({ id: 'heavy-1' }));
      const big = 'x'.repeat(30_000);
      const body = Array.from({ length: 60 }, (_, i) => ({
        sender: i % 2 ? 'agent' : 'user',
        content: `${i} ${big}`,
      }));
      await post('/sessions/heavy-1/messages', { messages: body });
      const { detail, messages, sizes } = await walk('heavy-1', LIMITS.transcriptPageMax);
      const perPage = Math.floor(LIMITS.transcriptPageBytes / 30_005);
      assert.equal(detail.messages.length, perPage);
      assert.equal(messages.length, 60);
      assert.equal(sizes.length, Math.ceil(60 / perPage));
      for (const size of sizes) assert.ok(size < LIMITS.transcriptPageBytes + 64 * 1024, `a page of ${size} bytes`);
    });

    test('metadata counts toward the bytes of a page: messages of 48 KiB come 10 a page', async () => {
      await post('/sessions', session({ id: 'wide-1' }));
      // 32 KiB content + 16 KiB metadata each: 16 × 48 KiB pass 512 KiB; each page holds 10.
      const meta = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, 'v'.repeat(1000)]));
      await post('/sessions/wide-1/messages', {
        messages: Array.from({ length: 16 }, () => ({
          sender: 'user',
          content: 'y'.repeat(32 * 1024),
          metadata: meta,
        })),
      });
      const res = await get('/sessions/wide-1/transcript?limit=500');
      assert.equal(res.json().messages.length, 10);
      const { messages } = await walk('wide-1');
      assert.equal(messages.length, 16);
    });

    test('a forged, foreign or malformed cursor is a 400 on `cursor`; a bad limit a 400 on `limit`', async () => {
      const forge = (fields: unknown) => Buffer.from(JSON.stringify(fields)).toString('base64url');
      const detail = (await get('/sessions/long-1')).json();
      // Another session's cursor.
      assertProblem(await get(`/sessions/small-1/transcript?cursor=${detail.transcript.nextCursor}`), 400, ['cursor']);
      for (const cursor of [
        'not-a-cursor',
        forge({ i: 'long-1', m: -1, e: 0, n: 0 }),
        forge({ i: 'long-1', m: 1.5, e: 0, n: 0 }),
        forge({ i: 'long-1', m: '3', e: 0, n: 0 }),
        forge({ i: 'long-1', m: 3, n: 0 }),
        forge({ i: 'long-1', m: 3, e: 0 }),
        forge([1, 2]),
      ])
        assertProblem(await get(`/sessions/long-1/transcript?cursor=${cursor}`), 400, ['cursor']);
      assertProblem(await get(`/sessions/long-1/transcript?limit=${LIMITS.transcriptPageMax + 1}`), 400, ['limit']);
      assertProblem(await get('/sessions/long-1/transcript?limit=0'), 400, ['limit']);
      assertProblem(await get('/sessions/nowhere/transcript'), 404);
      // A cursor past the end is an empty last page, not an error.
      const past = await get(`/sessions/long-1/transcript?cursor=${forge({ i: 'long-1', m: 9999, e: 9999, n: 0 })}`);
      assert.deepEqual(past.json(), { messages: [], events: [], hasMore: false, nextCursor: null });
    });
  });
}
