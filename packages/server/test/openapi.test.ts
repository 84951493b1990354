/**
 * The OpenAPI document and its browsable reference (src/plugins/openapi.ts, openapi-document.ts).
 * The guard walks every operation in the document, so a route added later fails here when it
 * lacks what every route has: an operationId, a declared tag, a description, an example on each
 * body, its statuses and headers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CHANNELS } from '@switchboard/contracts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { buildApp } from '../src/app.js';
import { DIALECTS, type TestContext, call, setup } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: the document is walked freely; its shape is what the tests assert.
type Json = Record<string, any>;
type Operation = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: unknown[];
  parameters?: Json[];
  requestBody?: { content: Record<string, Json> };
  responses: Record<string, { description: string; headers?: Json; content?: Record<string, Json> }>;
};

const ROUTES: Array<[string, string]> = [
  ['post', '/api/v1/sessions'],
  ['get', '/api/v1/sessions'],
  ['get', '/api/v1/sessions/{id}'],
  ['patch', '/api/v1/sessions/{id}'],
  ['post', '/api/v1/sessions/{id}/messages'],
  ['post', '/api/v1/sessions/{id}/events'],
  ['get', '/api/v1/sessions/metrics'],
  ['get', '/api/v1/sessions/timeseries'],
  ['get', '/api/v1/sessions/export'],
  ['post', '/api/v1/ingest'],
  ['get', '/api/v1/agents'],
  ['post', '/api/v1/keys'],
  ['get', '/api/v1/keys'],
  ['delete', '/api/v1/keys/{id}'],
  ['post', '/api/v1/auth/login'],
  ['post', '/api/v1/auth/logout'],
  ['get', '/api/v1/auth/me'],
  ['get', '/healthz'],
  ['get', '/readyz'],
];

const operationsOf = (doc: Json) =>
  Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op, label: `${method.toUpperCase()} ${path}` })),
  );

for (const dialect of DIALECTS) {
  describe(`OpenAPI (${dialect})`, () => {
    let t: TestContext;
    let doc: Json;
    before(async () => {
      t = await setup(dialect);
      doc = (await call(t.app, null, 'GET', '/api/openapi.json')).json();
    });
    after(() => t.close());

    test('/api/openapi.json is OpenAPI 3.1 listing every route, without auth', async () => {
      assert.equal(doc.openapi, '3.1.0');
      assert.equal(typeof doc.info.title, 'string');
      assert.ok(doc.info.license?.name && doc.info.contact?.url);
      assert.deepEqual(doc.servers, [{ url: '/', description: 'This Switchboard server' }]);
      for (const [method, path] of ROUTES)
        assert.ok(doc.paths?.[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
      assert.ok(doc.components.securitySchemes.bearer);
      // Bodies, parameters and responses come from the contract schemas, by name.
      const create = doc.paths['/api/v1/sessions'].post;
      assert.deepEqual(create.requestBody.content['application/json'].schema, {
        $ref: '#/components/schemas/CreateSessionBody',
      });
      assert.ok(doc.components.schemas.CreateSessionBody.properties.channel);
      assert.ok(doc.components.schemas.Channel.enum.includes('whatsapp'));
      assert.deepEqual(create.responses['201'].content['application/json'].schema, {
        $ref: '#/components/schemas/Session',
      });
      assert.ok(create.responses['409']);
      const listParams = doc.paths['/api/v1/sessions'].get.parameters.map((p: Json) => p.name);
      for (const name of [
        'search',
        'agentId',
        'channel',
        'status',
        'type',
        'from',
        'to',
        'transcript',
        'sort',
        'limit',
        'offset',
        'cursor',
      ])
        assert.ok(listParams.includes(name), `list parameter ${name}`);
      assert.ok(!('/api/openapi.json' in doc.paths), 'the document does not list itself');
    });

    test('every operation: operationId, declared tag, description, statuses, problem documents, headers', () => {
      const operations = operationsOf(doc);
      assert.ok(operations.length >= ROUTES.length);
      const declared = new Map((doc.tags as Json[]).map((tag) => [tag.name, tag.description]));
      const ids = new Set<string>();
      for (const { path, method, op, label } of operations) {
        assert.match(op.operationId ?? '', /^[a-z][A-Za-z]+$/, `${label} has a readable operationId`);
        assert.ok(!ids.has(op.operationId as string), `${label}: operationId ${op.operationId} is unique`);
        ids.add(op.operationId as string);
        assert.ok(op.tags?.length, `${label} has a tag`);
        for (const tag of op.tags ?? [])
          assert.ok(declared.get(tag), `${label}: tag ${tag} is declared with a description`);
        assert.ok(op.summary && op.description, `${label} has a summary and a description`);
        const statuses = Object.keys(op.responses);
        const keyed = op.security === undefined;
        const needs = ['400', '503'];
        if (keyed) needs.push('401', '403', '429');
        if (path.includes('{')) needs.push('414');
        if (op.requestBody) needs.push('413', '415');
        if (keyed && method === 'post') needs.push('409', '422');
        // A JSON answer gets an ETag; a file or a stream (the export, the live stream) does not.
        const ok = Object.keys(op.responses['200']?.content ?? {});
        const jsonGet = method === 'get' && ok.length === 1 && ok[0] === 'application/json';
        if (jsonGet) needs.push('304');
        for (const status of needs) assert.ok(statuses.includes(status), `${label} lists ${status}`);
        for (const [status, response] of Object.entries(op.responses)) {
          assert.ok(
            response.description && response.description !== 'Default Response',
            `${label} ${status} description`,
          );
          assert.ok(response.headers?.['x-request-id'], `${label} ${status} documents x-request-id`);
          if (Number(status) >= 400) {
            // OTLP's undecodable-body answer is the protocol's own google.rpc.Status, beside the problem document.
            const own = response.content?.['application/x-protobuf']
              ? ['application/x-protobuf', 'application/json']
              : [];
            assert.deepEqual(
              Object.keys(response.content ?? {}).sort(),
              [...own, 'application/problem+json'].sort(),
              `${label} ${status}`,
            );
            assert.deepEqual(response.content?.['application/problem+json'].schema, {
              $ref: '#/components/schemas/Problem',
            });
          }
          if (keyed && status !== '401' && status !== '403')
            for (const h of ['RateLimit', 'RateLimit-Policy', 'X-RateLimit-Remaining'])
              assert.ok(response.headers?.[h], `${label} ${status} documents ${h}`);
          if (status === '429' || status === '503') assert.ok(response.headers?.['Retry-After'], `${label} ${status}`);
          for (const [type, media] of Object.entries(response.content ?? {}))
            assert.ok('example' in media, `${label} ${status} ${type} has an example`);
        }
        if (jsonGet) {
          assert.ok(op.responses['200'].headers?.ETag, `${label} 200 documents ETag`);
          assert.ok(
            op.parameters?.some((p) => p.$ref === '#/components/parameters/IfNoneMatch'),
            `${label}`,
          );
        }
        if (keyed && method === 'post')
          assert.ok(
            op.parameters?.some((p) => p.$ref === '#/components/parameters/IdempotencyKey'),
            `${label}`,
          );
        if (op.requestBody)
          for (const [type, media] of Object.entries(op.requestBody.content))
            assert.ok('example' in media, `${label} request ${type} has an example`);
      }
      assert.ok(doc.paths['/api/v1/sessions/export'].get.responses['200'].headers['Content-Disposition']);
      assert.ok(doc.paths['/api/v1/sessions'].post.responses['201'].headers['Idempotent-Replayed']);
      assert.ok(doc.paths['/api/v1/stream'].get.parameters.some((p: Json) => p.$ref?.endsWith('/LastEventId')));
    });

    test('every example matches its schema', () => {
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      (addFormats as unknown as (a: Ajv2020) => Ajv2020)(ajv);
      ajv.addSchema(structuredClone(doc), 'openapi.json');
      const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
      let checked = 0;
      for (const { path, method, op, label } of operationsOf(doc)) {
        const medias: Array<[string, Json]> = [
          ...Object.entries(op.requestBody?.content ?? {}).map(
            ([type, m]) => [`requestBody/content/${esc(type)}`, m] as [string, Json],
          ),
          ...Object.entries(op.responses).flatMap(([status, r]) =>
            Object.entries(r.content ?? {}).map(
              ([type, m]) => [`responses/${status}/content/${esc(type)}`, m] as [string, Json],
            ),
          ),
        ];
        for (const [where, media] of medias) {
          if (!/json$/.test(where) || where.endsWith('ndjson')) continue;
          const validate = ajv.compile({ $ref: `openapi.json#/paths/${esc(path)}/${method}/${where}/schema` });
          assert.ok(validate(media.example), `${label} ${where}: ${ajv.errorsText(validate.errors)}`);
          checked++;
        }
      }
      assert.ok(checked > 60, `${checked} examples checked`);
    });

    test('public routes need no credentials; secrets a replay blanks are nullable', () => {
      for (const [path, method] of [
        ['/healthz', 'get'],
        ['/readyz', 'get'],
        ['/api/v1/auth/login', 'post'],
      ])
        assert.deepEqual(doc.paths[path][method].security, [], `${path}`);
      assert.deepEqual(doc.paths['/metrics'].get.security, [{ metricsToken: [] }]);
      assert.equal(doc.paths['/api/v1/sessions'].get.security, undefined, 'the API takes the global key or cookie');
      assert.deepEqual(doc.components.schemas.CreatedApiKey.properties.key.type, ['string', 'null']);
      assert.deepEqual(doc.components.schemas.WebhookWithSecret.properties.secret.type, ['string', 'null']);
    });

    test('typed filters: comma lists as form arrays with enums, ranges as deepObject, no transcript on the stream', () => {
      const params = (path: string) =>
        Object.fromEntries((doc.paths[path].get.parameters as Json[]).filter((p) => p.name).map((p) => [p.name, p]));
      const list = params('/api/v1/sessions');
      assert.equal(list.channel.style, 'form');
      assert.equal(list.channel.explode, false);
      assert.deepEqual(list.channel.schema.items.enum, [...CHANNELS]);
      assert.equal(list.agentId.schema.type, 'array');
      assert.equal(list.turns.style, 'deepObject');
      assert.ok(list.from.schema.anyOf.some((s: Json) => s.format === 'date'));
      assert.ok(!JSON.stringify(list).includes('x-enum-list'));
      assert.match(doc.paths['/api/v1/sessions'].get.description, /metadata\.<key>/);
      assert.ok(!('transcript' in params('/api/v1/stream')), 'the stream refuses transcript, so does not offer it');
    });

    test('the stream’s events and the batch item are unions on `type`', () => {
      const { schemas } = doc.components;
      assert.equal(schemas.StreamEvent.discriminator.propertyName, 'type');
      assert.deepEqual(schemas.MessageCreatedEvent.properties.data, { $ref: '#/components/schemas/Message' });
      assert.deepEqual(schemas.SessionEndedEvent.properties.data, { $ref: '#/components/schemas/Session' });
      const item = schemas.IngestBatchBody.properties.batch.items;
      assert.equal(item.discriminator.propertyName, 'type');
      assert.deepEqual(schemas.IngestMessageItem.properties.body, { $ref: '#/components/schemas/BatchMessageBody' });
      assert.deepEqual(doc.webhooks.event.post.requestBody.content['application/json'].schema, {
        $ref: '#/components/schemas/StreamEvent',
      });
    });

    test('servers come from the public URL', async () => {
      const app = await buildApp({ store: t.store, publicUrl: 'https://switchboard.example.com' });
      try {
        await app.ready();
        const served = (await call(app, null, 'GET', '/api/openapi.json')).json();
        assert.deepEqual(served.servers, [
          { url: 'https://switchboard.example.com', description: 'This Switchboard server' },
        ]);
      } finally {
        await app.close();
      }
    });

    test('/api/docs is the Switchboard reference page, with Scalar served from this server', async () => {
      const res = await call(t.app, null, 'GET', '/api/docs');
      assert.equal(res.statusCode, 200, res.body.slice(0, 200));
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /<title>API reference · Switchboard<\/title>/);
      // Every script and style from this server: the page works without internet.
      const refs = [...res.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      assert.ok(refs.length >= 4);
      for (const ref of refs) assert.match(ref, /^\//, `${ref} is not on this server`);
      const bundle = await call(t.app, null, 'GET', '/api/docs/scalar.js');
      assert.equal(bundle.statusCode, 200);
      assert.match(String(bundle.headers['content-type']), /^text\/javascript/);
      assert.ok(bundle.body.length > 1_000_000, 'the whole standalone bundle');
      assert.match(bundle.body, /createApiReference/);
      const init = await call(t.app, null, 'GET', '/api/docs/init.js');
      assert.match(init.body, /url: '\/api\/openapi\.json'/);
      assert.match(init.body, /withDefaultFonts: false/, 'no fonts from a CDN');
      assert.equal((await call(t.app, null, 'GET', '/api/docs/switchboard.css')).statusCode, 200);
    });
  });
}
