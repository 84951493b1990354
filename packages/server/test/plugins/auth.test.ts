/** Authentication, scopes and the dashboard cookie: src/plugins/auth.ts and src/routes/auth.ts. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Me } from '@switchboard/contracts';
import { generateKey } from '../../src/lib/keys.js';
import { Authenticator } from '../../src/plugins/auth.js';
import type { Store } from '../../src/store/db.js';
import { DIALECTS, type Res, type TestContext, assertProblem, assertShape, call, session, setup } from '../helpers.js';

/** A key of the right shape whose checksum is wrong. */
function badChecksum(key: string) {
  const last = key.at(-1) === 'A' ? 'B' : 'A';
  return key.slice(0, -1) + last;
}

test('a key whose checksum fails is refused before any database lookup', async () => {
  let lookups = 0;
  const db = new Proxy(
    {},
    {
      get: () => {
        lookups++;
        throw new Error('database touched');
      },
    },
  );
  const auth = new Authenticator({
    db,
    dialect: 'sqlite',
    describe: 'none',
    close: async () => {},
  } as unknown as Store);
  for (const key of [badChecksum(generateKey()), 'swb_short', 'sk_live_123', `${generateKey()}x`]) {
    await assert.rejects(auth.verifyKey(key), (err: { status?: number }) => err.status === 401);
  }
  assert.equal(lookups, 0);
  // A well-formed key does reach the database.
  await assert.rejects(auth.verifyKey(generateKey()), /database touched/);
});

for (const dialect of DIALECTS) {
  describe(`authentication (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    const cookieOf = (res: Res) => {
      const raw = res.headers['set-cookie'];
      const line = (Array.isArray(raw) ? raw : [raw]).find((c) => c?.startsWith('sb_session=')) as string;
      assert.ok(line, 'a session cookie');
      return { line, value: line.split(';')[0] };
    };
    const login = async (key: string) => {
      const res = await call(t.app, null, 'POST', '/api/v1/auth/login', { key });
      assert.equal(res.statusCode, 200, res.body);
      assertShape(Me, res.json());
      return { res, ...cookieOf(res) };
    };
    const withCookie = (
      cookie: string,
      method: 'GET' | 'POST' | 'PATCH',
      url: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => call(t.app, null, method, url, body, { cookie, ...headers });

    test('no or garbage credentials are 401 with WWW-Authenticate, as a problem', async () => {
      const attempts: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer' },
        { authorization: 'Bearer not-a-key' },
        { authorization: `Bearer ${badChecksum(t.adminKey)}` },
        { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` },
        { authorization: `Bearer ${generateKey()}` },
        { authorization: `Bearer ${t.adminKey} extra` },
        { cookie: 'sb_session=forged-token' },
      ];
      for (const headers of attempts) {
        const res = await call(t.app, null, 'GET', '/api/v1/sessions', undefined, headers);
        assertProblem(res, 401);
        assert.match(String(res.headers['www-authenticate']), /^Bearer realm="switchboard"/, JSON.stringify(headers));
        assert.ok(!res.body.includes(t.adminKey.slice(12)));
      }
      // The scheme is case-insensitive.
      assert.equal(
        (await call(t.app, null, 'GET', '/api/v1/sessions', undefined, { authorization: `bearer ${t.adminKey}` }))
          .statusCode,
        200,
      );
    });

    test('a missing scope is 403; public routes need nothing', async () => {
      const read = await t.key(['read']);
      assertProblem(await call(t.app, read, 'POST', '/api/v1/sessions', session()), 403);
      assertProblem(await call(t.app, read, 'GET', '/api/v1/keys'), 403);
      assert.equal((await call(t.app, read, 'GET', '/api/v1/auth/me')).statusCode, 200);
      assert.equal((await call(t.app, null, 'GET', '/healthz')).statusCode, 200);
    });

    test('a revoked key is refused at once', async () => {
      const key = await t.key(['read', 'ingest']);
      assert.equal((await call(t.app, key, 'GET', '/api/v1/sessions')).statusCode, 200);
      const id = (await call(t.app, key, 'GET', '/api/v1/auth/me')).json().key.id;
      assert.equal((await call(t.app, t.adminKey, 'DELETE', `/api/v1/keys/${id}`)).statusCode, 204);
      assertProblem(await call(t.app, key, 'GET', '/api/v1/sessions'), 401);
      assertProblem(await call(t.app, key, 'POST', '/api/v1/sessions', session()), 401);
      assertProblem(await call(t.app, null, 'POST', '/api/v1/auth/login', { key }), 401);
    });

    test('dashboard login sets an HttpOnly, SameSite=Strict cookie that works for GET', async () => {
      const { res, line, value } = await login(t.adminKey);
      assert.match(line, /HttpOnly/i);
      assert.match(line, /SameSite=Strict/i);
      assert.match(line, /Path=\//);
      assert.doesNotMatch(line, /swb_/, 'the cookie is not the key');
      assert.deepEqual(res.json().scopes.sort(), ['admin', 'ingest', 'read', 'review']);
      const me = await withCookie(value, 'GET', '/api/v1/auth/me');
      assert.equal(me.statusCode, 200);
      assertShape(Me, me.json());
      assert.equal(me.json().organization.id, t.orgId);
      assert.equal((await withCookie(value, 'GET', '/api/v1/sessions')).statusCode, 200);
    });

    test('a cookie-authenticated write needs the x-switchboard-csrf: 1 header', async () => {
      const { value } = await login(t.adminKey);
      assertProblem(await withCookie(value, 'POST', '/api/v1/sessions', session({ id: 'csrf-1' })), 403);
      assertProblem(
        await withCookie(value, 'POST', '/api/v1/sessions', session({ id: 'csrf-1' }), { 'x-switchboard-csrf': '0' }),
        403,
      );
      assertProblem(await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/csrf-1'), 404);
      const ok = await withCookie(value, 'POST', '/api/v1/sessions', session({ id: 'csrf-1' }), {
        'x-switchboard-csrf': '1',
      });
      assert.equal(ok.statusCode, 201, ok.body);
      assertProblem(await withCookie(value, 'PATCH', '/api/v1/sessions/csrf-1', { status: 'completed' }), 403);
      // Bearer requests need no such header.
      assert.equal(
        (await call(t.app, t.adminKey, 'PATCH', '/api/v1/sessions/csrf-1', { status: 'completed' })).statusCode,
        200,
      );
    });

    test('the cookie carries the key’s scopes', async () => {
      const { value } = await login(await t.key(['read']));
      assert.equal((await withCookie(value, 'GET', '/api/v1/sessions')).statusCode, 200);
      assertProblem(await withCookie(value, 'POST', '/api/v1/sessions', session(), { 'x-switchboard-csrf': '1' }), 403);
    });

    test('login refuses a key without the read scope with 403, in words', async () => {
      const res = await call(t.app, null, 'POST', '/api/v1/auth/login', { key: await t.key(['ingest']) });
      assertProblem(res, 403);
      assert.match(res.json().detail, /"ingest" scope only.*"read" scope/);
      assert.equal(res.headers['set-cookie'], undefined, 'no cookie for a refused key');
      assert.equal(
        (await call(t.app, null, 'POST', '/api/v1/auth/login', { key: await t.key(['read']) })).statusCode,
        200,
      );
    });

    test('login refuses bad keys with 401 and bad bodies with 400', async () => {
      assertProblem(await call(t.app, null, 'POST', '/api/v1/auth/login', { key: generateKey() }), 401);
      assertProblem(await call(t.app, null, 'POST', '/api/v1/auth/login', { key: 'nope' }), 401);
      // Either credential may be sent, so an empty body lists what each of them lacks.
      assertProblem(await call(t.app, null, 'POST', '/api/v1/auth/login', {}), 400, ['/email', '/key', '/password']);
    });

    test('logout ends the dashboard session', async () => {
      const { value } = await login(t.adminKey);
      const out = await withCookie(value, 'POST', '/api/v1/auth/logout', undefined, { 'x-switchboard-csrf': '1' });
      assert.equal(out.statusCode, 204);
      assert.match(String(out.headers['set-cookie']), /sb_session=;/);
      assertProblem(await withCookie(value, 'GET', '/api/v1/auth/me'), 401);
    });

    test('revoking the key ends its dashboard sessions', async () => {
      const key = await t.key(['read']);
      const a = await login(key);
      const b = await login(key);
      const id = (await call(t.app, key, 'GET', '/api/v1/auth/me')).json().key.id;
      assert.equal((await call(t.app, t.adminKey, 'DELETE', `/api/v1/keys/${id}`)).statusCode, 204);
      assertProblem(await withCookie(a.value, 'GET', '/api/v1/sessions'), 401);
      assertProblem(await withCookie(b.value, 'GET', '/api/v1/auth/me'), 401);
    });
  });
}
