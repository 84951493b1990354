/** Problem documents from a real server become SwitchboardError with every field kept. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Switchboard, SwitchboardError } from '../src/index.js';
import { DIALECTS, type Served, client, serve } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`SwitchboardError (${dialect})`, () => {
    let s: Served;
    before(async () => {
      s = await serve(dialect);
    });
    after(() => s.close());

    test('400: every bad field is listed', async () => {
      const sb = client(s, s.t.adminKey);
      const err = await sb.sessions.listPage({ channel: 'fax', limit: 9999 }).catch((e: unknown) => e);
      assert.ok(err instanceof SwitchboardError);
      assert.equal(err.status, 400);
      assert.equal(err.code, 'validation');
      assert.equal(err.type, 'https://switchboard.dev/problems/validation');
      assert.equal(typeof err.title, 'string');
      assert.equal(err.instance, '/api/v1/sessions');
      assert.deepEqual(err.errors.map((e) => e.path).sort(), ['channel', 'limit']);
      assert.equal(err.retryable, false);
      assert.match(err.message, new RegExp(err.title));
    });

    test('404 for a missing session, 401 for a bad key, 403 for a missing scope', async () => {
      const sb = client(s, s.t.adminKey);
      const notFound = await sb.sessions.get('does-not-exist').catch((e: unknown) => e);
      assert.ok(notFound instanceof SwitchboardError);
      assert.equal(notFound.status, 404);
      assert.equal(notFound.code, 'not-found');
      assert.equal(typeof notFound.detail, 'string');

      const stranger = new Switchboard({ baseUrl: s.url, apiKey: 'swb_not-a-real-key' });
      const unauthorized = await stranger.agents().catch((e: unknown) => e);
      assert.ok(unauthorized instanceof SwitchboardError);
      assert.equal(unauthorized.status, 401);
      assert.equal(unauthorized.code, 'unauthorized');

      const reader = client(s, await s.t.key(['read']));
      const forbidden = await reader.keys.list().catch((e: unknown) => e);
      assert.ok(forbidden instanceof SwitchboardError);
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.code, 'forbidden');
    });

    test('no server at all: a network SwitchboardError (status 0) once retries are spent', async () => {
      const sb = new Switchboard({
        baseUrl: 'http://127.0.0.1:9',
        apiKey: s.t.adminKey,
        retries: 1,
        retryBaseDelayMs: 10,
      });
      const err = await sb.agents().catch((e: unknown) => e);
      assert.ok(err instanceof SwitchboardError);
      assert.equal(err.status, 0);
      assert.equal(err.code, 'network');
      assert.ok(err.cause);
    });

    test('keys admin helpers round-trip', async () => {
      const sb = client(s, s.t.adminKey);
      const created = await sb.keys.create({ name: 'sdk test', scopes: ['ingest'] });
      assert.match(created.key, /^swb_/);
      assert.ok((await sb.keys.list()).some((k) => k.id === created.id && k.revokedAt === null));
      await sb.keys.revoke(created.id);
      assert.ok((await sb.keys.list()).find((k) => k.id === created.id)?.revokedAt);
      const revoked = client(s, created.key);
      await assert.rejects(
        revoked.ingest([{ type: 'session', body: { agent: { id: 'x' }, channel: 'web', type: 'chat' } }]),
        (e: SwitchboardError) => e.status === 401,
      );
    });
  });
}
