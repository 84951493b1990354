/**
 * Reading back at scale: sessions seeded through POST /ingest in batches of 1,000, paged by
 * `list()` with the cursor, and the export streams compared with the list. SQLite gets 10,500
 * sessions at 500 a page; PostgreSQL stores sessions created through /ingest at only a few hundred
 * a second, so it gets 2,100 at 100 a page: the same 21 cursor pages, in a fifth of the time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExportRowCounter, type IngestItem, type Session, type Status, type Switchboard } from '../src/index.js';
import { DIALECTS, type Served, client, serve, tap } from './helpers.js';

const CHANNELS = ['web', 'phone', 'telegram', 'whatsapp', 'mobile_sdk', 'sip'] as const;
const STATUSES = ['completed', 'failed', 'cancelled', 'active'] as const;

const id = (i: number) => `s-${String(i).padStart(5, '0')}`;

function fixture(TOTAL: number): IngestItem[] {
  const t0 = Date.parse('2026-10-01T00:00:00.000Z');
  const items: IngestItem[] = [];
  for (let i = 0; i < TOTAL; i++) {
    const status = STATUSES[i % 4];
    const startedAt = new Date(t0 + i * 60_000).toISOString();
    items.push({
      type: 'session',
      body: {
        id: `s-${String(i).padStart(5, '0')}`,
        agent: { id: `agent-${i % 7}`, name: `Agent ${i % 7}` },
        channel: CHANNELS[i % 6],
        type: i % 3 ? 'chat' : 'voice',
        startedAt,
        ...(status === 'active' ? {} : { status, endedAt: new Date(t0 + i * 60_000 + 90_000).toISOString() }),
        metadata: { plan: i % 5 ? 'free' : 'pro', n: i, note: i % 11 ? 'ok' : 'has, "quotes"\nand a newline' },
      },
    });
    if (i % 50 === 0)
      items.push({
        type: 'message',
        body: { sessionId: `s-${String(i).padStart(5, '0')}`, sender: 'user', content: `hello ${i}` },
      });
  }
  return items;
}

async function collect(sb: Switchboard, filters: Parameters<Switchboard['sessions']['list']>[0]): Promise<Session[]> {
  const out: Session[] = [];
  for await (const s of sb.sessions.list(filters)) out.push(s);
  return out;
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

for (const dialect of DIALECTS) {
  describe(`SDK reading (${dialect})`, () => {
    const TOTAL = dialect === 'sqlite' ? 10_500 : 2_100;
    const PAGE = TOTAL / 21;
    let s: Served;
    before(async () => {
      s = await serve(dialect);
      const sb = client(s, s.t.adminKey);
      const items = fixture(TOTAL);
      for (let i = 0; i < items.length; i += 1000) {
        const { results } = await sb.ingest(items.slice(i, i + 1000));
        assert.ok(
          results.every((r) => r.status < 300),
          JSON.stringify(results.find((r) => r.status >= 300)),
        );
      }
    });
    after(() => s.close());

    test(`list() pages through ${TOTAL} sessions with the cursor: all of them, once, in order`, async () => {
      const wire = tap();
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch });
      const all = await collect(sb, { pageSize: PAGE });
      assert.equal(all.length, TOTAL);
      assert.equal(new Set(all.map((x) => x.id)).size, TOTAL);
      assert.equal(all[0].id, id(TOTAL - 1), 'newest first (-startedAt)');
      assert.deepEqual(
        all.map((x) => x.id),
        Array.from({ length: TOTAL }, (_, i) => id(TOTAL - 1 - i)),
      );
      assert.equal(wire.count('GET', '/api/v1/sessions'), 21, 'one request per page');
      const urls = wire.calls.map((c) => c.url);
      assert.ok(!urls[0].includes('cursor='));
      assert.ok(
        urls.slice(1).every((u) => u.includes('cursor=') && !u.includes('offset=')),
        'deep pages use the cursor',
      );
    });

    test('list() with filters and a sort; listPage() for one page with the total', async () => {
      const sb = client(s, s.t.adminKey);
      const phone = await collect(sb, {
        channel: ['phone', 'sip'],
        status: 'failed',
        sort: 'startedAt',
        pageSize: 100,
      });
      const expected = Array.from({ length: TOTAL }, (_, i) => i).filter(
        (i) => (CHANNELS[i % 6] === 'phone' || CHANNELS[i % 6] === 'sip') && STATUSES[i % 4] === 'failed',
      );
      assert.ok(expected.length > 100, 'more than one page');
      assert.deepEqual(
        phone.map((x) => x.id),
        expected.map(id),
      );
      const page = await sb.sessions.listPage({ metadata: { plan: 'pro' }, limit: 10 });
      assert.equal(page.pagination.total, TOTAL / 5);
      assert.equal(page.data.length, 10);
      assert.ok(page.data.every((x) => x.metadata.plan === 'pro'));
      const wire = tap();
      const polling = client(s, s.t.adminKey, { fetch: wire.fetch });
      const m = await polling.sessions.metrics({ metadata: { plan: 'pro' } });
      assert.equal(m.totalSessions, TOTAL / 5);
      assert.deepEqual(await polling.sessions.metrics({ metadata: { plan: 'pro' } }), m);
      assert.deepEqual(
        wire.calls.map((c) => c.status),
        [200, 304],
        'polled again with If-None-Match and served from the ETag cache',
      );
      const agents = await sb.agents();
      assert.equal(agents.length, 7);
      assert.equal(
        agents.reduce((n, a) => n + a.sessionCount, 0),
        TOTAL,
      );
      const ts = await sb.sessions.timeseries({ interval: 'day', from: '2026-10-01', to: '2026-10-03' });
      assert.equal(ts.buckets.length, 3, 'a bare `to` date includes that day');
      assert.equal(ts.buckets[0].total, Math.min(TOTAL, 1440));
    });

    test('export streams (CSV, NDJSON, JSON) hold exactly what list() returns, in the same order', async () => {
      const sb = client(s, s.t.adminKey);
      const filters = {
        channel: 'web,whatsapp',
        status: ['completed', 'failed'] as Status[],
        sort: 'startedAt' as const,
      };
      const listed = await collect(sb, filters);
      assert.ok(listed.length > 300, `${listed.length} sessions`);
      const ids = listed.map((x) => x.id);
      const idSet = new Set(ids);

      const ndjson = await text(await sb.sessions.export({ ...filters, format: 'ndjson' }));
      const lines = ndjson
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => l.id),
        ids,
      );
      const { messages: _m, events: _e, ...first } = lines[0];
      assert.deepEqual(first, listed[0], 'the same session as the list gives');

      const jsonBody = await sb.sessions.export({ ...filters, format: 'json' });
      const counter = new ExportRowCounter('json');
      const chunks: Uint8Array[] = [];
      for await (const chunk of jsonBody as unknown as AsyncIterable<Uint8Array>) {
        counter.push(chunk);
        chunks.push(chunk);
      }
      const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Session[];
      assert.deepEqual(
        json.map((x) => x.id),
        ids,
      );
      assert.equal(counter.rows, ids.length, 'the row counter agrees');

      const csvBytes = new Uint8Array(
        await new Response(await sb.sessions.export({ ...filters, format: 'csv' })).arrayBuffer(),
      );
      const csvCounter = new ExportRowCounter('csv');
      csvCounter.push(csvBytes);
      assert.equal(csvCounter.rows, ids.length, 'one CSV record per session, quoted newlines included');
      const csv = new TextDecoder().decode(csvBytes);
      assert.ok(csv.startsWith('id,agent_id,agent_name,channel,type,status,started_at'));
      const csvIds = csv
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => l.split(',')[0]);
      // Only lines that begin a record start with a listed id; continuation lines of a quoted
      // newline (the fixture has some) are skipped by this filter.
      assert.deepEqual(
        csvIds.filter((id) => idSet.has(id)),
        ids,
      );
    });

    test('export({...filters, format}) sends the filters and the format in one query; CSV by default', async () => {
      const wire = tap();
      const sb = client(s, s.t.adminKey, { fetch: wire.fetch });
      const ndjson = await text(
        await sb.sessions.export({ metadata: { plan: 'pro' }, type: 'voice', format: 'ndjson' }),
      );
      const rows = ndjson
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Session);
      const expected = Array.from({ length: TOTAL }, (_, i) => i).filter((i) => i % 5 === 0 && i % 3 === 0);
      assert.equal(rows.length, expected.length);
      assert.ok(rows.every((r) => r.metadata.plan === 'pro' && r.type === 'voice'));
      const query = new URL(wire.calls[0].url, s.url).searchParams;
      assert.equal(query.get('format'), 'ndjson');
      assert.equal(query.get('metadata.plan'), 'pro');

      const csv = await text(await sb.sessions.export({ metadata: { plan: 'pro' }, type: 'voice' }));
      assert.ok(csv.startsWith('id,agent_id,'));
      assert.equal(new URL(wire.calls[1].url, s.url).searchParams.get('format'), 'csv');
    });

    test('a refused export rejects before any byte', async () => {
      const sb = client(s, s.t.adminKey);
      await assert.rejects(
        sb.sessions.export({ status: 'lost', format: 'csv' }),
        (e: { status: number }) => e.status === 400,
      );
    });
  });
}
