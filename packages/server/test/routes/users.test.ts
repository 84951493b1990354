/**
 * Team accounts (routes/auth.ts, routes/users.ts, services/accounts.ts): the first admin from the
 * setup link, password sign-in, who is signed in, roles turned into scopes, invitations, a
 * person's own sign-ins, and disabling, on both stores.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthSessionList, Invitation, Me, User, UserList } from '@switchboard/contracts';
import { ExpirySweeper } from '../../src/services/expiry.js';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, setup } from '../helpers.js';
import { PASSWORD, type Person, cookieOf, firstAdmin, invited, login, personFrom, tokenOf } from '../people.js';

for (const dialect of DIALECTS) {
  describe(`team accounts (${dialect})`, () => {
    let t: TestContext;
    let ada: Person;
    before(async () => {
      t = await setup(dialect);
      ada = await firstAdmin(t);
    });
    after(() => t.close());

    test('the setup link made an admin, signed in, and works only once', async () => {
      const me = await ada.call('GET', '/api/v1/auth/me');
      assert.equal(me.statusCode, 200);
      assertShape(Me, me.json());
      assert.deepEqual(me.json().user, { id: ada.id, email: 'ada@example.com', name: 'Ada Admin', role: 'admin' });
      assert.equal(me.json().key, undefined);
      assert.ok(me.json().scopes.includes('admin'));
      // No new link once somebody exists, and an old one cannot make a second admin.
      assert.equal(await t.app.services.accounts.issueSetupLink(t.orgId), undefined);
      const stale = await t.store.db
        .selectFrom('account_tokens')
        .select('token_hash')
        .where('kind', '=', 'setup')
        .executeTakeFirstOrThrow();
      assert.ok(stale.token_hash.length === 64, 'only the hash of the token is stored');
    });

    test('a setup token is refused a second time, and while someone exists', async () => {
      const fresh = await setup(dialect);
      try {
        const url = await fresh.app.services.accounts.issueSetupLink(fresh.orgId);
        assert.ok(url?.startsWith('/setup#token='));
        const body = { token: tokenOf(url ?? ''), email: 'Root@Example.com', name: 'Root', password: PASSWORD };
        const first = await call(fresh.app, null, 'POST', '/api/v1/auth/setup', body);
        assert.equal(first.statusCode, 201, first.body);
        assert.equal(first.json().user.email, 'root@example.com', 'addresses are kept lower-case');
        const again = await call(fresh.app, null, 'POST', '/api/v1/auth/setup', {
          ...body,
          email: 'other@example.com',
        });
        assertProblem(again, 401);
        const wrong = await call(fresh.app, null, 'POST', '/api/v1/auth/setup', {
          ...body,
          token: 'x'.repeat(32),
        });
        assertProblem(wrong, 401);
        const short = await call(fresh.app, null, 'POST', '/api/v1/auth/setup', { ...body, password: 'short' });
        assertProblem(short, 400, ['/password']);
      } finally {
        await fresh.close();
      }
    });

    test('password sign-in: right pair signs in; every wrong pair gets the same 401', async () => {
      const ok = await login(t, 'ADA@example.com ', PASSWORD);
      assert.equal(ok.statusCode, 200, ok.body);
      assertShape(Me, ok.json());
      assert.equal(ok.json().user.id, ada.id);
      const set = String(ok.headers['set-cookie']);
      assert.match(set, /HttpOnly/);
      assert.match(set, /SameSite=Strict/);
      const wrongPassword = await login(t, 'ada@example.com', 'not the password', '198.51.100.1');
      const unknownUser = await login(t, 'nobody@example.com', 'not the password', '198.51.100.1');
      for (const r of [wrongPassword, unknownUser]) assertProblem(r, 401);
      const strip = (b: { requestId?: string; instance?: string }) => ({
        ...b,
        requestId: undefined,
        instance: undefined,
      });
      assert.deepEqual(
        strip(wrongPassword.json()),
        strip(unknownUser.json()),
        'one identical problem for every wrong pair',
      );
      // The API key sign-in still works beside it.
      const byKey = await call(t.app, null, 'POST', '/api/v1/auth/login', { key: t.adminKey });
      assert.equal(byKey.statusCode, 200);
      assert.ok(byKey.json().key);
      assert.equal(byKey.json().user, undefined);
    });

    test('roles become scopes: a viewer reads, may not write; a reviewer reads; an admin administers', async () => {
      const viewer = await invited(t, ada, 'viewer');
      const reviewer = await invited(t, ada, 'reviewer');
      assert.deepEqual((await viewer.call('GET', '/api/v1/auth/me')).json().scopes, ['read']);
      assert.deepEqual((await reviewer.call('GET', '/api/v1/auth/me')).json().scopes, ['read', 'review']);
      assert.equal((await viewer.call('GET', '/api/v1/sessions')).statusCode, 200);
      const forbidden = await viewer.call('POST', '/api/v1/keys', { name: 'x', scopes: ['read'] });
      assertProblem(forbidden, 403);
      assert.match(forbidden.json().detail, /role \(viewer\)/);
      assertProblem(await reviewer.call('GET', '/api/v1/users'), 403);
      assertProblem(
        await viewer.call('POST', '/api/v1/sessions', { agent: { id: 'a' }, channel: 'web', type: 'chat' }),
        403,
      );
      const list = await ada.call('GET', '/api/v1/users');
      assert.equal(list.statusCode, 200);
      assertShape(UserList, list.json());
      assert.deepEqual(
        list.json().data.map((u: User) => u.role),
        ['admin', 'viewer', 'reviewer'],
      );
    });

    test('a cookie write without the CSRF header is refused', async () => {
      const viewer = await invited(t, ada, 'viewer');
      const res = await call(
        t.app,
        null,
        'PATCH',
        `/api/v1/users/${viewer.id}`,
        { role: 'admin' },
        {
          cookie: `sb_session=${ada.cookie}`,
        },
      );
      assertProblem(res, 403);
      assert.equal(
        (await ada.call('GET', '/api/v1/users')).json().data.find((u: User) => u.id === viewer.id).role,
        'viewer',
      );
    });

    test('invitations: a one-time link for 7 days; the person joins with the role chosen', async () => {
      const res = await ada.call('POST', '/api/v1/users/invitations', { email: 'Grace@Example.com', role: 'reviewer' });
      assert.equal(res.statusCode, 201, res.body);
      assertShape(Invitation, res.json());
      const inv = res.json();
      assert.equal(inv.email, 'grace@example.com');
      assert.match(inv.url, /\/invite#token=[\w-]{20,}$/);
      // No mail server configured: the admin gives the link; nothing failed (test/services/mail.test.ts).
      assert.equal(inv.emailed, false);
      assert.equal(inv.emailError, null);
      const days = (Date.parse(inv.expiresAt) - Date.now()) / 86_400_000;
      assert.ok(days > 6.99 && days <= 7, `expires in ${days} days`);
      const accept = await call(t.app, null, 'POST', '/api/v1/auth/invitations/accept', {
        token: tokenOf(inv.url),
        name: 'Grace',
        password: PASSWORD,
      });
      assert.equal(accept.statusCode, 201, accept.body);
      assert.deepEqual(accept.json().user.role, 'reviewer');
      const grace = personFrom(t, accept);
      assert.equal((await grace.call('GET', '/api/v1/auth/me')).json().user.email, 'grace@example.com');
      const twice = await call(t.app, null, 'POST', '/api/v1/auth/invitations/accept', {
        token: tokenOf(inv.url),
        name: 'Mallory',
        password: PASSWORD,
      });
      assertProblem(twice, 401);
      // Already a member: no second invitation.
      assertProblem(
        await ada.call('POST', '/api/v1/users/invitations', { email: 'grace@example.com', role: 'admin' }),
        409,
      );
      assertProblem(
        await ada.call('POST', '/api/v1/users/invitations', { email: 'not-an-address', role: 'admin' }),
        400,
      );
      assertProblem(
        await ada.call('POST', '/api/v1/users/invitations', { email: 'x@example.com', role: 'owner' }),
        400,
      );
      // She can sign in with her password later.
      assert.equal((await login(t, 'grace@example.com', PASSWORD)).statusCode, 200);
    });

    test('an expired invitation is refused', async () => {
      const res = await ada.call('POST', '/api/v1/users/invitations', { email: 'late@example.com', role: 'viewer' });
      await t.store.db
        .updateTable('account_tokens')
        .set({ expires_at: Date.now() - 1 })
        .where('id', '=', res.json().id)
        .execute();
      const accept = await call(t.app, null, 'POST', '/api/v1/auth/invitations/accept', {
        token: tokenOf(res.json().url),
        name: 'Late',
        password: PASSWORD,
      });
      assertProblem(accept, 401);
    });

    test('my sign-ins: listed with the current one marked; ending one signs that browser out', async () => {
      const viewer = await invited(t, ada, 'viewer', 'twice@example.com');
      const second = personFrom(t, await login(t, 'twice@example.com', PASSWORD));
      const list = await viewer.call('GET', '/api/v1/auth/sessions');
      assert.equal(list.statusCode, 200);
      assertShape(AuthSessionList, list.json());
      assert.equal(list.json().data.length, 2);
      const other = list.json().data.find((s: { current: boolean }) => !s.current);
      assert.equal(list.json().data.filter((s: { current: boolean }) => s.current).length, 1);
      assert.equal(other.method, 'password');
      // Nobody else's sign-in can be ended: 404, as if it did not exist.
      assertProblem(await ada.call('DELETE', `/api/v1/auth/sessions/${other.id}`), 404);
      assert.equal((await viewer.call('DELETE', `/api/v1/auth/sessions/${other.id}`)).statusCode, 204);
      assertProblem(await second.call('GET', '/api/v1/auth/me'), 401);
      assert.equal((await viewer.call('GET', '/api/v1/auth/me')).statusCode, 200);
      // An API key has no sign-ins of a person.
      assertProblem(await call(t.app, t.adminKey, 'GET', '/api/v1/auth/sessions'), 403);
    });

    test('disabling a person ends every sign-in at once; enabling lets them sign in again', async () => {
      const v = await invited(t, ada, 'viewer', 'gone@example.com');
      const other = personFrom(t, await login(t, 'gone@example.com', PASSWORD));
      assert.equal((await v.call('GET', '/api/v1/sessions')).statusCode, 200);
      const res = await ada.call('PATCH', `/api/v1/users/${v.id}`, { disabled: true });
      assert.equal(res.statusCode, 200, res.body);
      assertShape(User, res.json());
      assert.ok(res.json().disabledAt);
      for (const p of [v, other]) {
        assertProblem(await p.call('GET', '/api/v1/sessions'), 401);
        assertProblem(await p.call('GET', '/api/v1/auth/me'), 401);
      }
      const rows = await t.store.db.selectFrom('user_sessions').select('id').where('user_id', '=', v.id).execute();
      assert.equal(rows.length, 0);
      // A disabled person's right password gets the same 401 as a wrong one.
      assertProblem(await login(t, 'gone@example.com', PASSWORD), 401);
      assert.equal((await ada.call('PATCH', `/api/v1/users/${v.id}`, { disabled: false })).json().disabledAt, null);
      assert.equal((await login(t, 'gone@example.com', PASSWORD)).statusCode, 200);
    });

    test('changing a role takes effect on the next request; the last admin stays admin', async () => {
      const p = await invited(t, ada, 'viewer');
      assertProblem(await p.call('GET', '/api/v1/keys'), 403);
      assert.equal((await ada.call('PATCH', `/api/v1/users/${p.id}`, { role: 'admin' })).json().role, 'admin');
      assert.equal((await p.call('GET', '/api/v1/keys')).statusCode, 200);
      assert.equal((await p.call('PATCH', `/api/v1/users/${p.id}`, { role: 'viewer' })).statusCode, 200);
      const self = await ada.call('PATCH', `/api/v1/users/${ada.id}`, { role: 'viewer' });
      assertProblem(self, 422);
      assertProblem(await ada.call('PATCH', `/api/v1/users/${ada.id}`, { disabled: true }), 422);
      assertProblem(await ada.call('PATCH', `/api/v1/users/${ada.id}`, {}), 400);
      assertProblem(await ada.call('PATCH', '/api/v1/users/nope', { role: 'viewer' }), 404);
    });

    test('the expiry sweep deletes people’s expired sign-ins and stale failure counts', async () => {
      const p = personFrom(t, await login(t, 'ada@example.com', PASSWORD));
      const before = await t.store.db.selectFrom('user_sessions').select('id').execute();
      await t.store.db.updateTable('user_sessions').set({ expires_at: 1 }).where('user_id', '=', p.id).execute();
      await t.store.db
        .insertInto('login_failures')
        .values({ bucket: 'acct:stale', failures: 3, window_started_at: 1, locked_until: 2 })
        .execute();
      const quiet = { info() {}, error() {} };
      const swept = await new ExpirySweeper(t.store, quiet).sweep();
      assert.ok(swept.signIns >= 1);
      const after = await t.store.db.selectFrom('user_sessions').select('id').execute();
      assert.ok(after.length < before.length);
      assert.equal(
        (await t.store.db.selectFrom('login_failures').select('bucket').where('bucket', '=', 'acct:stale').execute())
          .length,
        0,
      );
    });

    test('signing out ends the sign-in', async () => {
      const p = personFrom(t, await login(t, 'ada@example.com', PASSWORD));
      assert.equal((await p.call('POST', '/api/v1/auth/logout')).statusCode, 204);
      assertProblem(await p.call('GET', '/api/v1/auth/me'), 401);
      assert.equal(cookieOf(await login(t, 'ada@example.com', PASSWORD)).startsWith('u.'), true);
    });
  });
}
