/**
 * `sb.auth` against a real server: the cookie sign-in a dashboard page makes. Node's fetch keeps
 * no cookies, so a one-cookie jar around `tap` plays the browser's part.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Switchboard, SwitchboardError } from '../src/index.js';
import { DIALECTS, type Served, serve } from './helpers.js';
import { browserLike } from './jar.js';

for (const dialect of DIALECTS) {
  describe(`sb.auth (${dialect})`, () => {
    let s: Served;
    before(async () => {
      s = await serve(dialect);
    });
    after(() => s.close());

    test('login sets the cookie, me reads it, logout ends it; writes carry the CSRF header', async () => {
      const jar = browserLike();
      const sb = new Switchboard({ baseUrl: s.url, fetch: jar.fetch, retries: 0 });
      const me = await sb.auth.login(s.t.adminKey);
      assert.equal(me.organization.name, 'default');
      assert.deepEqual([...me.scopes].sort(), ['admin', 'ingest', 'read', 'review']);
      assert.ok(jar.hasCookie(), 'the session cookie was set');

      assert.deepEqual(await sb.auth.me(), me);
      assert.ok((await sb.sessions.listPage()).pagination, 'the cookie signs API reads too');

      await sb.auth.logout();
      assert.ok(!jar.hasCookie(), 'the cookie was cleared');
      const after = await sb.auth.me().catch((e: unknown) => e);
      assert.ok(after instanceof SwitchboardError);
      assert.equal(after.status, 401);

      const writes = jar.calls.filter((c) => c.method === 'POST');
      assert.deepEqual(
        writes.map((c) => c.path),
        ['/api/v1/auth/login', '/api/v1/auth/logout'],
      );
      for (const c of writes) {
        assert.equal(c.headers['x-switchboard-csrf'], '1');
        assert.equal(c.headers.authorization, undefined);
      }
    });

    test('a wrong key is a 401, a malformed body a 400 with the field', async () => {
      const sb = new Switchboard({ baseUrl: s.url, fetch: browserLike().fetch, retries: 0 });
      const wrong = await sb.auth.login('swb_not-a-real-key').catch((e: unknown) => e);
      assert.ok(wrong instanceof SwitchboardError);
      assert.equal(wrong.status, 401);
      const empty = await sb.auth.login('').catch((e: unknown) => e);
      assert.ok(empty instanceof SwitchboardError);
      assert.equal(empty.status, 400);
      assert.deepEqual(
        empty.errors.map((e) => e.path),
        ['/key'],
      );
    });

    test('me with an API key says which organization and scopes the key carries', async () => {
      const sb = new Switchboard({ baseUrl: s.url, apiKey: await s.t.key(['read']), retries: 0 });
      const me = await sb.auth.me();
      assert.equal(me.organization.name, 'default');
      assert.deepEqual(me.scopes, ['read']);
      assert.match(me.key?.prefix ?? '', /^swb_/);
    });
  });
}
