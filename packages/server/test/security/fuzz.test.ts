/**
 * Hostile input, generated. Every route and method of the OpenAPI document gets requests built
 * from its own schema and then broken: wrong types, missing and extra fields, huge strings, deep
 * JSON, NUL, invalid UTF-8 bytes, SQL- and script-looking text in every query parameter and path
 * id. Whatever arrives, the answer is never a 5xx, is either the documented success shape or an
 * RFC 9457 problem, and a refused request leaves no row behind.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { DIALECTS, type Res, type TestContext, call, seed, session, setup } from '../helpers.js';

// Modest on purpose: the point is breadth over every route on both dialects, within ~30 s each.
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: Json[];
  const?: Json;
  anyOf?: Schema[];
  oneOf?: Schema[];
  pattern?: string;
  format?: string;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  additionalProperties?: boolean | Schema;
}
interface Operation {
  method: string;
  path: string;
  params: Array<{ in: string; name: string; schema: Schema }>;
  body?: Schema;
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

const HOSTILE = [
  "' OR '1'='1",
  "'; DROP TABLE sessions; --",
  '1; DELETE FROM messages',
  '" OR ""="',
  "') UNION SELECT key_hash, 1 FROM api_keys --",
  '%',
  '_',
  '*',
  '\\',
  '%00',
  '\u0000',
  'a\u0000b',
  '<script>window.__pwned=1</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template-injection probe, meant literally
  '{{7*7}}${7*7}',
  '../../../../etc/passwd',
  '\ud800',
  '\udfff\ud800',
  '🧨'.repeat(50),
  'Ω≈ç√∫˜µ≤≥÷',
  '\r\nX-Injected: 1',
  ' ',
  '',
  '-1',
  '1e309',
  'NaN',
  '9'.repeat(40),
  'null',
  'true',
  '[]',
  '{}',
  '2026-13-45T25:61:61Z',
  '0000-00-00',
];

const hostileString = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 70_000 }).map((n) => 'x'.repeat(n)) },
);

/** A wrong value of any JSON type (and sometimes a structure much deeper than allowed). */
const wrongValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: hostileString as fc.Arbitrary<Json> },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, 0, -1, 1.5, 2 ** 53, [], {}, [null]) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 33, max: 1000 }).map((depth) => {
      let v: Json = 'deep';
      for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { d: v };
      return v;
    }),
  },
);

/** A valid example of a schema, so that mutations of it reach past the first check. */
function sample(s: Schema, ids: { session: string; webhook: string; delivery: string }, key = ''): Json {
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return sample(alt[0], ids, key);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(s.properties ?? {}))
        if (s.required?.includes(k) || k === 'metadata') out[k] = sample(v, ids, k);
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => sample(s.items ?? {}, ids, key));
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'string':
      if (s.format === 'date-time') return new Date().toISOString();
      if (s.format === 'uri' || key === 'url') return 'https://93.184.215.14/hook';
      if (key === 'sessionId') return ids.session;
      if (key === 'key') return 'swb_not-a-real-key';
      if (s.pattern) return `fz-${Math.random().toString(36).slice(2, 10)}`;
      return 'text';
    default:
      return s.properties ? sample({ ...s, type: 'object' }, ids, key) : 'text';
  }
}

/** Every path (as keys) inside a JSON value, the root included. */
function pathsOf(v: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out = [prefix];
  if (Array.isArray(v)) for (const [i, c] of v.entries()) out.push(...pathsOf(c, [...prefix, i]));
  else if (v !== null && typeof v === 'object')
    for (const [k, c] of Object.entries(v)) out.push(...pathsOf(c, [...prefix, k]));
  return out;
}

type Mutation = { at: number; op: 'replace' | 'delete' | 'extra'; value: Json; name: string };

function mutate(base: Json, mutations: Mutation[]): Json {
  let root = structuredClone(base);
  for (const m of mutations) {
    const paths = pathsOf(root);
    const path = paths[m.at % paths.length];
    if (path.length === 0) {
      if (m.op === 'replace') root = m.value;
      else if (m.op === 'extra' && root && typeof root === 'object' && !Array.isArray(root)) root[m.name] = m.value;
      continue;
    }
    let parent = root as Record<string | number, Json>;
    for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, Json>;
    const last = path[path.length - 1];
    const target = parent[last];
    if (m.op === 'replace') parent[last] = m.value;
    else if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else if (target && typeof target === 'object' && !Array.isArray(target)) target[m.name] = m.value;
    else if (!Array.isArray(parent)) parent[m.name] = m.value;
  }
  return root;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom<Mutation['op']>('replace', 'replace', 'delete', 'extra'),
  value: wrongValue,
  name: fc.oneof(fc.constantFrom('bogus', '__proto__', 'constructor', '$where', ''), hostileString),
});

/** A body: the raw bytes to send and the Content-Type to send them with. */
interface BodyCase {
  payload: string | Buffer;
  contentType?: string;
}

function bodyArb(schema: Schema, ids: Parameters<typeof sample>[1]): fc.Arbitrary<BodyCase> {
  const json = (ct?: string) =>
    fc.array(mutation, { maxLength: 3 }).map((ms): BodyCase => {
      let payload: string;
      try {
        payload = JSON.stringify(mutate(sample(schema, ids), ms));
      } catch {
        // Deep values nested into deep values can outgrow the test's own stack; the server's
        // handling of deep bodies is tested head-on below.
        payload = JSON.stringify(sample(schema, ids));
      }
      return { payload, contentType: ct };
    });
  return fc.oneof(
    { weight: 8, arbitrary: json('application/json') },
    { weight: 1, arbitrary: json('text/plain') },
    { weight: 1, arbitrary: json('application/x-www-form-urlencoded') },
    { weight: 1, arbitrary: json(undefined) },
    {
      weight: 1,
      arbitrary: fc.jsonValue().map((v): BodyCase => ({ payload: JSON.stringify(v), contentType: 'application/json' })),
    },
    {
      // Truncated or otherwise broken JSON text.
      weight: 1,
      arbitrary: fc.tuple(fc.nat(), hostileString).map(([cut, s]): BodyCase => {
        const text = JSON.stringify(sample(schema, ids));
        return { payload: text.slice(0, cut % (text.length + 1)) + s, contentType: 'application/json' };
      }),
    },
    {
      // Invalid UTF-8 spliced into an otherwise valid string value.
      weight: 2,
      arbitrary: fc
        .constantFrom([0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80])
        .map((bytes): BodyCase => {
          const text = JSON.stringify(sample(schema, ids));
          const at = text.indexOf('"', text.indexOf(':') + 2);
          const i = at > 0 ? at : 1;
          return {
            payload: Buffer.concat([Buffer.from(text.slice(0, i)), Buffer.from(bytes), Buffer.from(text.slice(i))]),
            contentType: 'application/json',
          };
        }),
    },
  );
}

function paramArb(p: Operation['params'][number], ids: Parameters<typeof sample>[1]) {
  const valid = sample(p.schema, ids, p.name);
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      // A list parameter is comma-separated (`style: form, explode: false`).
      arbitrary: fc.constant(
        typeof valid === 'string' ? valid : Array.isArray(valid) ? valid.join(',') : JSON.stringify(valid),
      ),
    },
    { weight: 4, arbitrary: hostileString },
  );
}

/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD, as any client would send). */
const encode = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9._~-]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('');

/** A path segment as sent: mostly encoded text, sometimes raw broken escapes. */
const pathIdArb = (valid: string) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(valid) },
    { weight: 4, arbitrary: hostileString.map(encode) },
    { weight: 1, arbitrary: fc.constantFrom('%E0%A4%A', '%', '%ZZ', '..%2F..%2Fkeys', '%C0%AE%C0%AE', '%FF') },
  );

interface Built {
  method: string;
  url: string;
  body?: BodyCase;
}

function requestArb(op: Operation, ids: Parameters<typeof sample>[1]): fc.Arbitrary<Built> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const pathValues = fc.tuple(
    ...pathParams.map((p) =>
      pathIdArb(
        p.name === 'deliveryId' ? ids.delivery : op.path.startsWith('/api/v1/webhooks') ? ids.webhook : ids.session,
      ),
    ),
  );
  const query = fc.tuple(...queryParams.map((p) => paramArb(p, ids)));
  const extraQuery = fc.array(
    fc.tuple(
      fc.oneof(
        fc.constant('bogus'),
        hostileString.map((s) => `metadata.${s}`),
        hostileString,
      ),
      hostileString,
    ),
    { maxLength: 2 },
  );
  const body = op.body ? bodyArb(op.body, ids).map((b) => b as BodyCase | undefined) : fc.constant(undefined);
  return fc.tuple(pathValues, query, extraQuery, body).map(([pv, qv, extra, b]) => {
    let url = op.path;
    pathParams.forEach((p, i) => {
      url = url.replace(`{${p.name}}`, pv[i]);
    });
    const qs = new URLSearchParams();
    queryParams.forEach((p, i) => {
      if (qv[i] !== undefined) qs.append(p.name, qv[i] as string);
    });
    for (const [k, v] of extra) qs.append(k, v);
    const q = qs.toString();
    return { method: op.method, url: q ? `${url}?${q}` : url, body: b };
  });
}

/** The document with every `$ref` replaced by what it points to, so schemas can be read and compiled alone. */
function deref(doc: Record<string, unknown>): unknown {
  const resolve = (pointer: string) =>
    pointer
      .slice(2)
      .split('/')
      .reduce<unknown>(
        (node, key) => (node as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')],
        doc,
      );
  const walk = (node: unknown, depth: number): unknown => {
    if (depth > 40 || typeof node !== 'object' || node === null) return node;
    if (Array.isArray(node)) return node.map((n) => walk(n, depth + 1));
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/')) return walk(resolve(ref), depth + 1);
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, depth + 1)]));
  };
  return walk(doc, 0);
}

const ajv = new Ajv({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv) => Ajv)(ajv);
ajv.addKeyword('x-enum-list');

const TABLES = ['sessions', 'messages', 'session_events', 'outbox', 'webhooks', 'api_keys'] as const;

for (const dialect of DIALECTS) {
  describe(`hostile input, generated from the OpenAPI document (${dialect})`, () => {
    let t: TestContext;
    let ops: Operation[];
    let base: string;
    const ids = { session: 'fz-1', webhook: '', delivery: '' };

    async function counts() {
      const out: Record<string, number> = {};
      for (const table of TABLES) {
        const r = await t.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        out[table] = Number(r.n);
      }
      return out;
    }

    /** The request, through inject, or over a real socket for the endless live stream. */
    async function send(
      r: Built,
    ): Promise<Res | { statusCode: number; headers: Record<string, string>; body: string }> {
      if (r.url.startsWith('/api/v1/stream')) {
        const ac = new AbortController();
        const res = await fetch(base + r.url, {
          headers: { authorization: `Bearer ${t.adminKey}` },
          signal: ac.signal,
        });
        const headers = Object.fromEntries(res.headers);
        const body = res.status === 200 ? '' : await res.text();
        ac.abort();
        return { statusCode: res.status, headers, body };
      }
      return (await t.app.inject({
        method: r.method as 'GET',
        url: r.url,
        headers: {
          authorization: `Bearer ${t.adminKey}`,
          ...(r.body?.contentType ? { 'content-type': r.body.contentType } : {}),
        },
        ...(r.body ? { payload: r.body.payload } : {}),
      })) as Res;
    }

    function check(
      op: Operation,
      r: Built,
      res: { statusCode: number; headers: Record<string, unknown>; body: string },
    ) {
      const label = `${r.method} ${r.url.slice(0, 200)} → ${res.statusCode}: ${res.body.slice(0, 300)}`;
      assert.ok(res.statusCode < 500, label);
      const type = String(res.headers['content-type'] ?? '');
      const documented = op.responses[String(res.statusCode)]?.content;
      if (
        res.statusCode >= 400 &&
        documented?.['application/x-protobuf'] &&
        !type.startsWith('application/problem+json')
      ) {
        // A route whose protocol defines its own error body (OTLP's google.rpc.Status), documented as such.
        assert.ok(
          Object.keys(documented).some((t) => type.startsWith(t)),
          `undocumented error body: ${label}`,
        );
        return;
      }
      if (res.statusCode >= 400) {
        assert.match(type, /^application\/problem\+json/, label);
        const p = JSON.parse(res.body);
        assert.equal(p.status, res.statusCode, label);
        assert.equal(typeof p.type, 'string', label);
        assert.equal(typeof p.title, 'string', label);
        assert.ok(!/at .*\.(ts|js):\d+/.test(res.body), `a stack trace leaked: ${label}`);
        return;
      }
      const doc = op.responses[String(res.statusCode)];
      assert.ok(doc, `undocumented success status: ${label}`);
      const schema = doc.content?.['application/json']?.schema;
      if (!schema || !type.startsWith('application/json') || r.url.includes('/export')) return;
      const v = ajv.compile(schema);
      assert.ok(v(JSON.parse(res.body)), `${label}\n${ajv.errorsText(v.errors)}`);
    }

    before(async () => {
      t = await setup(dialect, { rateLimits: { read: 0, ingest: 0, export: 0 } });
      await seed(t.app, t.adminKey, [
        { type: 'session', body: session({ id: 'fz-1', metadata: { plan: 'pro' } }) },
        { type: 'message', body: { sessionId: 'fz-1', sender: 'user', content: 'hello' } },
      ]);
      const hook = await call(t.app, t.adminKey, 'POST', '/api/v1/webhooks', {
        url: 'https://93.184.215.14/hook',
        events: ['*'],
      });
      assert.equal(hook.statusCode, 201, hook.body);
      ids.webhook = hook.json().id;
      ids.delivery = (await call(t.app, t.adminKey, 'POST', `/api/v1/webhooks/${ids.webhook}/test`)).json().id;
      const doc = deref((await call(t.app, null, 'GET', '/api/openapi.json')).json()) as {
        paths: Record<string, Record<string, Record<string, unknown>>>;
      };
      ops = [];
      for (const [path, methods] of Object.entries<Record<string, Record<string, unknown>>>(doc.paths))
        for (const [method, op] of Object.entries(methods))
          ops.push({
            method: method.toUpperCase(),
            path,
            // Ranges (`turns[gte]`) are deepObject parameters: the extra query pairs cover those names.
            params: ((op.parameters as Array<Operation['params'][number] & { style?: string }>) ?? []).filter(
              (p) => p.style !== 'deepObject',
            ),
            body: (op.requestBody as { content: Record<string, { schema: Schema }> } | undefined)?.content[
              'application/json'
            ]?.schema,
            responses: op.responses as Operation['responses'],
          });
      assert.ok(ops.length >= 25, `only ${ops.length} operations in the OpenAPI document`);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    });
    after(() => t.close());

    test('every route and method: never a 5xx, documented shape or a problem, refused requests store nothing', async () => {
      for (const op of ops) {
        // Revoking or deleting what the rest of the run relies on would only make later cases
        // trivially 404; those routes still get every hostile id, just never the real one.
        const opIds = op.method === 'DELETE' ? { ...ids, webhook: 'nope', session: 'nope' } : ids;
        await fc.assert(
          fc.asyncProperty(requestArb(op, opIds), async (r) => {
            const before = await counts();
            const res = await send(r);
            check(op, r, res);
            if (res.statusCode >= 400)
              assert.deepEqual(await counts(), before, `a refused request stored rows: ${r.method} ${r.url}`);
          }),
          { numRuns: RUNS },
        );
      }
    });

    test('invalid UTF-8 is refused with a 400, not stored as U+FFFD', async () => {
      const before = await counts();
      for (const bytes of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
        const payload = Buffer.concat([
          Buffer.from('{"agent":{"id":"a","name":"bad '),
          Buffer.from(bytes),
          Buffer.from('"},"channel":"web","type":"chat"}'),
        ]);
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
          payload,
        });
        assert.equal(res.statusCode, 400, res.body);
        assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      }
      assert.deepEqual(await counts(), before);
    });

    test('deep JSON, huge bodies, prototype keys and NUL everywhere are refused cleanly', async () => {
      const before = await counts();
      const deep = `{"events":[{"type":"x","data":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}]}`;
      const deepArray = `{"messages":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
      const cases: Array<[string, string, string | Buffer, number]> = [
        ['POST', '/api/v1/sessions/fz-1/events', deep, 400],
        ['POST', '/api/v1/sessions/fz-1/messages', deepArray, 400],
        ['POST', '/api/v1/ingest', `{"batch":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 400],
        [
          'POST',
          '/api/v1/sessions/fz-1/events',
          `{"events":[{"type":"x","data":{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}}]}`,
          400,
        ],
        ['POST', '/api/v1/sessions/fz-1/messages', '{"messages":[{"sender":"user","content":"a\\ud800b"}]}', 400],
        ['POST', '/api/v1/sessions', '{"agent":{"id":"a","name":"\\udc00"},"channel":"web","type":"chat"}', 400],
        ['POST', '/api/v1/sessions', Buffer.alloc(6 * 1024 * 1024, 0x20), 413],
        [
          'POST',
          '/api/v1/sessions',
          '{"__proto__":{"admin":true},"agent":{"id":"a"},"channel":"web","type":"chat"}',
          400,
        ],
        ['POST', '/api/v1/sessions', '{"agent":{"id":"a\\u0000"},"channel":"web","type":"chat"}', 400],
        ['PATCH', '/api/v1/sessions/fz-1', '{"metadata":{"k\\u0000":"v"}}', 400],
        ['POST', '/api/v1/sessions', '', 400],
        // A key with a line break once escaped the metadata value rules (TypeBox's `^.*$` key).
        [
          'POST',
          '/api/v1/sessions',
          '{"agent":{"id":"a"},"channel":"web","type":"chat","metadata":{"a\\nb":{"x":[1]}}}',
          400,
        ],
      ];
      for (const [i, [method, url, payload, status]] of cases.entries()) {
        // With an Idempotency-Key too: its request hash walked the body, and deep nesting
        // overflowed the stack there as a 500 before any check of the body ran.
        for (const idempotency of [{}, { 'idempotency-key': `fz-deep-${i}` }]) {
          const res = await t.app.inject({
            method: method as 'POST',
            url,
            headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json', ...idempotency },
            payload,
          });
          assert.equal(res.statusCode, status, `${method} ${url}: ${res.body.slice(0, 300)}`);
          assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
        }
      }
      assert.deepEqual(await counts(), before);
    });
  });
}
