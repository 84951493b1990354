/**
 * Export safety: for arbitrary sessions (any unicode in agent names, metadata strings full of
 * commas, quotes, CR/LF and formula starters), parsing the CSV export with a strict RFC 4180
 * parser gives back exactly what was stored, except for the `'` that defuses a cell a spreadsheet
 * would run as a formula (a cell starting with = + - @ tab or CR gets a leading ').
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { CHANNELS, SESSION_SOURCES, SESSION_TYPES, STATUSES } from '@switchboard/contracts';
import { iso } from '../../src/lib/time.js';
import { csvRecord, csvRow, exportIso } from '../../src/services/read.js';
import { sessionRowToApi, type SessionWithAgent } from '../../src/store/sessions/rows.js';
import { DIALECTS, type TestContext, call, setup } from '../helpers.js';

/** A strict RFC 4180 parser: CRLF records, quoted fields with doubled quotes; anything else throws. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= n) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else field += text[i++];
      }
      if (i < n && text[i] !== ',' && text[i] !== '\r') throw new Error(`text after a closing quote at ${i}`);
    } else {
      while (i < n && text[i] !== ',' && text[i] !== '\r') {
        if (text[i] === '"' || text[i] === '\n')
          throw new Error(`bare ${JSON.stringify(text[i])} in an unquoted field at ${i}`);
        field += text[i++];
      }
    }
    row.push(field);
    if (text[i] === ',') i++;
    else if (text[i] === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`CR without LF at ${i}`);
      i += 2;
      rows.push(row);
      row = [];
    }
  }
  if (row.length) throw new Error('last record has no CRLF');
  return rows;
}

/** What the exporter should write for a value (the guard applied). */
const guarded = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);

// Text built to hit every quoting rule: formula starters first, separators and quotes inside.
const tricky = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc
    .tuple(
      fc.constantFrom('', '=', '+', '-', '@', '\t', '\r', '\n', '"', "'", ','),
      fc.array(fc.constantFrom('a', ',', '"', '\r', '\n', '\r\n', ' ', 'é', '🧨', "'", '=SUM(A1)', '\t'), {
        maxLength: 8,
      }),
    )
    .map(([head, parts]) => head + parts.join('')),
);
const noNul = (s: string) => s.replace(/\u0000/g, '');
const text = tricky.map(noNul);

const sessionArb = fc.record({
  agentName: text.map((s) => s.slice(0, 200)),
  metadata: fc.dictionary(
    // `__proto__` is refused for the whole body (docs/SECURITY.md; fuzz.test.ts proves it).
    text.filter((k) => k.length > 0 && k.length <= 64 && k !== '__proto__'),
    fc.oneof(
      text.map((s) => s.slice(0, 1024)),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    ),
    { maxKeys: 4 },
  ),
  // endedReason is not in the CSV, but an agent id that starts with '-' or '=' is.
  agentId: fc.constantFrom('bot', '-bot', '=bot', '@bot', '+bot'),
});

for (const dialect of DIALECTS) {
  describe(`CSV export round-trips arbitrary sessions (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect, { rateLimits: { read: 0, ingest: 0, export: 0 } });
    });
    after(() => t.close());

    test('the parser is strict (sanity)', () => {
      assert.deepEqual(parseCsv('a,"b,""c"""\r\n"x\r\ny",\r\n'), [
        ['a', 'b,"c"'],
        ['x\r\ny', ''],
      ]);
      assert.throws(() => parseCsv('a"b\r\n'));
      assert.throws(() => parseCsv('"a\r\n'));
      assert.throws(() => parseCsv('a\nb\r\n'));
    });

    test('parse(export(sessions)) = sessions, apart from the formula guard', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(sessionArb, { minLength: 1, maxLength: 6 }), async (sessions) => {
          const prefix = `csv${run++}-`;
          const batch = sessions.map((s, i) => ({
            type: 'session',
            body: {
              id: `${prefix}${i}`,
              agent: { id: s.agentId, name: s.agentName },
              channel: 'web',
              type: 'chat',
              metadata: s.metadata,
            },
          }));
          const res = await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', { batch });
          assert.equal(res.statusCode, 207);
          // Agent names are per agent (the latest wins), so compare with what the API says now.
          const stored = new Map<string, { agent: { id: string; name: string }; metadata: unknown }>();
          for (const r of res.json().results) {
            if (r.status >= 300) continue;
            const s = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${r.id}`)).json();
            stored.set(s.id, s);
          }
          const csv = await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/export?format=csv&search=${prefix}`);
          assert.equal(csv.statusCode, 200);
          const rows = parseCsv(csv.body);
          assert.equal(
            rows[0].join(','),
            'id,agent_id,agent_name,channel,type,status,started_at,ended_at,duration_seconds,message_count,metadata,' +
              'turns,first_response_ms,avg_response_ms,max_response_ms,handoffs,errors,interruptions,input_tokens,output_tokens,cost_usd,ended_reason,source,' +
              'tags,scores,reviewed_at,reviewed_by',
          );
          const body = rows.slice(1);
          assert.equal(body.length, stored.size);
          for (const row of body) {
            assert.equal(row.length, 27, JSON.stringify(row));
            for (const cell of row)
              assert.ok(!/^[=+\-@\t\r]/.test(cell), `unguarded formula cell ${JSON.stringify(cell)}`);
            const s = stored.get(row[0]);
            assert.ok(s, `unknown id ${row[0]}`);
            // Exactly the stored text, with the apostrophe only where a formula would start. (Taking
            // it off again is ambiguous for text that already began with "'=": the guard is lossy
            // by design, as every spreadsheet-safe CSV is.)
            assert.equal(row[1], guarded(s.agent.id));
            assert.equal(row[2], guarded(s.agent.name));
            // Metadata is a JSON object: it starts with "{", so it is never guarded.
            assert.deepEqual(JSON.parse(row[10]), s.metadata);
          }
        }),
        { numRuns: Number(process.env.CSV_RUNS ?? 100) },
      );
    });
  });
}

describe('the export writes rows straight from the database as the API would print them', () => {
  const when = fc.integer({ min: -62_000_000_000_000, max: 8_640_000_000_000_000 });
  const rowArb = fc.record({
    pk: fc.nat(),
    id: text.filter((s) => s.length > 0),
    agent_id: text.filter((s) => s.length > 0),
    agent_name: text,
    channel: fc.constantFrom(...CHANNELS),
    type: fc.constantFrom(...SESSION_TYPES),
    status: fc.constantFrom(...STATUSES),
    source: fc.constantFrom(...SESSION_SOURCES),
    started_at: when,
    ended_at: fc.option(when),
    duration_ms: fc.option(fc.integer({ min: -1_000_000, max: 10_000_000_000 })),
    message_count: fc.nat(),
    metadata: sessionArb.map((s) => JSON.stringify(s.metadata)),
    turns: fc.nat(),
    first_response_ms: fc.option(fc.nat()),
    avg_response_ms: fc.option(fc.nat()),
    max_response_ms: fc.option(fc.nat()),
    handoffs: fc.nat(),
    errors: fc.nat(),
    interruptions: fc.nat(),
    input_tokens: fc.nat(),
    output_tokens: fc.nat(),
    cost_nanos: fc.oneof(fc.nat(), fc.integer({ min: 0, max: 1e15 })),
    ended_reason: fc.option(fc.string({ minLength: 1, maxLength: 64 })),
    tags: fc
      .uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9_.:-]{0,8}$/), { maxLength: 4 })
      .map((t) => JSON.stringify(t)),
    scores: fc
      .dictionary(
        fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/),
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.boolean(),
          fc.string({ minLength: 1, maxLength: 8 }),
        ),
        { maxKeys: 3 },
      )
      .map((s) => JSON.stringify(s)),
    reviewed_at: fc.option(when),
    reviewed_by: fc.option(
      fc.record({ type: fc.constant('key'), id: fc.uuid(), name: text }).map((a) => JSON.stringify(a)),
    ),
  });

  test('csvRecord(row) = csvRow(the API session of row)', () => {
    fc.assert(
      fc.property(rowArb, (row) => {
        const full = {
          ...row,
          last_activity_at: row.started_at,
          user_messages: 0,
          agent_messages: 0,
          response_ms_sum: 0,
          last_message_at: null,
          last_user_at: null,
          awaiting_reply: 0,
        } as unknown as SessionWithAgent;
        assert.equal(csvRecord(row), csvRow(sessionRowToApi(full)));
      }),
      { numRuns: 2000 },
    );
  });

  test('exportIso(ms) = iso(ms), in any order of days', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(when, fc.integer({ min: 1_700_000_000_000, max: 1_700_000_300_000 }))), (times) => {
        for (const ms of times) assert.equal(exportIso(ms), iso(ms));
      }),
    );
  });
});
