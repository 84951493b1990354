/** API keys (docs/SECURITY.md): src/routes/keys.ts and src/services/keys.ts. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ApiKeyList, CreatedApiKey } from '@switchboard/contracts';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, session, setup } from '../helpers.js';

for (const dialect of DIALECTS) {
  describe(`API key routes (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    const create = async (body: unknown, key = t.adminKey) => {
      const res = await call(t.app, key, 'POST', '/api/v1/keys', body);
      assert.equal(res.statusCode, 201, res.body);
      assertShape(CreatedApiKey, res.json());
      return res.json();
    };

    test('POST /keys returns the key once, well-formed; only its SHA-256 is stored', async () => {
      const created = await create({ name: 'ingest worker', scopes: ['ingest'] });
      assert.match(created.key, /^swb_[0-9A-Za-z]{42}$/);
      assert.equal(created.prefix, created.key.slice(0, 12));
      assert.deepEqual(created.scopes, ['ingest']);
      assert.equal(created.name, 'ingest worker');
      const row = await t.store.db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', created.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.hash, createHash('sha256').update(created.key).digest('hex'));
      for (const value of Object.values(row))
        assert.ok(!String(value).includes(created.key.slice(12)), 'no secret part in the row');
      // It works, with exactly its scopes.
      assert.equal((await call(t.app, created.key, 'POST', '/api/v1/sessions', session())).statusCode, 201);
      assertProblem(await call(t.app, created.key, 'GET', '/api/v1/sessions'), 403);
    });

    test('GET /keys lists keys without secrets; lastUsedAt is set once a key is used', async () => {
      const created = await create({ name: 'reader', scopes: ['read', 'admin'] });
      let listed = (await call(t.app, t.adminKey, 'GET', '/api/v1/keys')).json();
      assertShape(ApiKeyList, listed);
      let mine = listed.data.find((k: { id: string }) => k.id === created.id);
      assert.deepEqual(mine.scopes.sort(), ['admin', 'read']);
      assert.equal(mine.lastUsedAt, null);
      assert.equal(mine.revokedAt, null);
      const text = JSON.stringify(listed);
      assert.ok(!text.includes(created.key), 'no key in the list');
      assert.ok(!/"(key|hash)"/.test(text));
      assert.equal((await call(t.app, created.key, 'GET', '/api/v1/sessions')).statusCode, 200);
      for (let i = 0; i < 50 && !mine.lastUsedAt; i++) {
        await new Promise((r) => setTimeout(r, 10));
        listed = (await call(t.app, t.adminKey, 'GET', '/api/v1/keys')).json();
        mine = listed.data.find((k: { id: string }) => k.id === created.id);
      }
      assert.ok(mine.lastUsedAt, 'lastUsedAt set');
      assert.ok(Math.abs(Date.parse(mine.lastUsedAt) - Date.now()) < 10_000);
    });

    test('DELETE /keys/:id revokes at once: 204, then 401', async () => {
      const created = await create({ name: 'short-lived', scopes: ['read'] });
      assert.equal((await call(t.app, created.key, 'GET', '/api/v1/sessions')).statusCode, 200);
      const del = await call(t.app, t.adminKey, 'DELETE', `/api/v1/keys/${created.id}`);
      assert.equal(del.statusCode, 204);
      assert.equal(del.body, '');
      const res = assertProblem(await call(t.app, created.key, 'GET', '/api/v1/sessions'), 401);
      assert.ok(res);
      const listed = (await call(t.app, t.adminKey, 'GET', '/api/v1/keys')).json();
      assert.ok(listed.data.find((k: { id: string }) => k.id === created.id).revokedAt);
      // Revoking again is harmless; an unknown id is 404.
      assert.equal((await call(t.app, t.adminKey, 'DELETE', `/api/v1/keys/${created.id}`)).statusCode, 204);
      assertProblem(await call(t.app, t.adminKey, 'DELETE', '/api/v1/keys/no-such-key'), 404);
    });

    test('another organization’s key is 404 and stays valid', async () => {
      const other = await t.otherOrg();
      const theirs = await create({ name: 'theirs', scopes: ['read'] }, other.key);
      assertProblem(await call(t.app, t.adminKey, 'DELETE', `/api/v1/keys/${theirs.id}`), 404);
      assert.equal((await call(t.app, theirs.key, 'GET', '/api/v1/sessions')).statusCode, 200);
      const mine = (await call(t.app, t.adminKey, 'GET', '/api/v1/keys')).json();
      assert.equal(
        mine.data.some((k: { id: string }) => k.id === theirs.id),
        false,
      );
    });

    test('bad bodies list every bad field', async () => {
      assertProblem(await call(t.app, t.adminKey, 'POST', '/api/v1/keys', { name: '', scopes: [] }), 400, [
        '/name',
        '/scopes',
      ]);
      assertProblem(await call(t.app, t.adminKey, 'POST', '/api/v1/keys', { name: 'x', scopes: ['root'] }), 400, [
        '/scopes/0',
      ]);
      assertProblem(
        await call(t.app, t.adminKey, 'POST', '/api/v1/keys', { name: 'x', scopes: ['read', 'read'] }),
        400,
        ['/scopes'],
      );
      assertProblem(await call(t.app, t.adminKey, 'POST', '/api/v1/keys', { scopes: ['read'], extra: 1 }), 400, [
        '/name',
        '/extra',
      ]);
    });

    test('key routes need the admin scope (403) and a key (401)', async () => {
      const rw = await t.key(['read', 'ingest']);
      assertProblem(await call(t.app, rw, 'GET', '/api/v1/keys'), 403);
      assertProblem(await call(t.app, rw, 'POST', '/api/v1/keys', { name: 'x', scopes: ['admin'] }), 403);
      assertProblem(await call(t.app, rw, 'DELETE', '/api/v1/keys/whatever'), 403);
      assertProblem(await call(t.app, null, 'GET', '/api/v1/keys'), 401);
    });
  });
}
