/** The OpenAPI document and its browsable reference (src/plugins/openapi.ts). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS, type TestContext, call, setup } from './helpers.js';

type Schema = { properties?: Record<string, unknown>; required?: string[] };

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

for (const dialect of DIALECTS) {
  describe(`OpenAPI (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    test('/api/openapi.json is OpenAPI 3.1 listing every route, without auth', async () => {
      const res = await call(t.app, null, 'GET', '/api/openapi.json');
      assert.equal(res.statusCode, 200);
      const doc = res.json();
      assert.equal(doc.openapi, '3.1.0');
      assert.equal(typeof doc.info.title, 'string');
      for (const [method, path] of ROUTES)
        assert.ok(doc.paths?.[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
      assert.ok(doc.components.securitySchemes.bearer);
      // Bodies, parameters and responses come from the contract schemas.
      const create = doc.paths['/api/v1/sessions'].post;
      assert.ok(create.requestBody.content['application/json'].schema.properties.channel.enum.includes('whatsapp'));
      assert.ok(create.responses['201']);
      assert.ok(create.responses['409']);
      const listParams = doc.paths['/api/v1/sessions'].get.parameters.map((p: { name: string }) => p.name);
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

    test('every operation documents its problem responses, each with a requestId', async () => {
      const doc = (await call(t.app, null, 'GET', '/api/openapi.json')).json();
      const operations = Object.entries(doc.paths as Record<string, Record<string, { responses: object }>>).flatMap(
        ([path, ops]) => Object.entries(ops).map(([method, op]) => ({ label: `${method.toUpperCase()} ${path}`, op })),
      );
      assert.ok(operations.length >= ROUTES.length);
      for (const { label, op } of operations) {
        const errors = Object.entries(op.responses as Record<string, { content?: Record<string, { schema: Schema }> }>)
          .filter(([code]) => Number(code) >= 400)
          // OTLP's undecodable-body answer is the protocol's own google.rpc.Status, not a problem document.
          .filter(([, response]) => !response.content?.['application/x-protobuf'])
          .map(([code, response]) => ({ code, schema: response.content?.['application/json']?.schema }));
        assert.ok(errors.length > 0, `${label} documents no problem response`);
        for (const { code, schema } of errors) {
          assert.ok(schema?.properties?.requestId, `${label} ${code} is not a problem document with a requestId`);
          assert.deepEqual([...(schema.required ?? [])].sort(), ['status', 'title', 'type'], `${label} ${code}`);
        }
      }
    });

    test('/api/docs renders the reference', async () => {
      let res = await call(t.app, null, 'GET', '/api/docs');
      if (res.statusCode >= 300 && res.statusCode < 400)
        res = await call(t.app, null, 'GET', String(res.headers.location).replace(/^\.\//, '/api/docs/'));
      assert.equal(res.statusCode, 200, res.body.slice(0, 200));
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /swagger/i);
    });
  });
}
