/**
 * `sb.auth` for people, `sb.users` and `sb.audit` against a real server: the first admin from
 * the setup link, an invitation accepted in another browser, a role changed, a sign-in ended,
 * and the audit log of it all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthenticationError, PermissionDeniedError, Switchboard } from '../src/index.js';
import { browserLike } from './jar.js';
import { DIALECTS, type Served, serve } from './helpers.js';

const PASSWORD = 'correct horse battery staple';
const tokenOf = (url: string) => url.slice(url.indexOf('#token=') + 7);

for (const dialect of DIALECTS) {
  describe(`people through the SDK (${dialect})`, () => {
    let s: Served;
    before(async () => {
      s = await serve(dialect);
    });
    after(() => s.close());

    test('setup, invite, accept, change role, end a sign-in, read the audit log', async () => {
      const adaJar = browserLike();
      const ada = new Switchboard({ baseUrl: s.url, fetch: adaJar.fetch, retries: 0 });
      const link = await s.t.app.services.accounts.issueSetupLink(s.t.orgId);
      const me = await ada.auth.setup({
        token: tokenOf(link ?? ''),
        email: 'ada@example.com',
        name: 'Ada',
        password: PASSWORD,
      });
      assert.equal(me.user?.role, 'admin');

      const inv = await ada.users.invite({ email: 'grace@example.com', role: 'viewer' });
      assert.match(inv.url, /\/invite#token=/);
      const grace = new Switchboard({ baseUrl: s.url, fetch: browserLike().fetch, retries: 0 });
      assert.equal(
        (await grace.auth.acceptInvitation({ token: tokenOf(inv.url), name: 'Grace', password: PASSWORD })).user?.role,
        'viewer',
      );
      const denied = await grace.users.list().catch((e: unknown) => e);
      assert.ok(denied instanceof PermissionDeniedError, String(denied));

      const users = await ada.users.list();
      assert.deepEqual(
        users.map((u) => u.email),
        ['ada@example.com', 'grace@example.com'],
      );
      const updated = await ada.users.update(users[1].id, { role: 'reviewer' });
      assert.equal(updated.role, 'reviewer');
      assert.deepEqual((await grace.auth.me()).scopes, ['read', 'review']);

      // Grace signs in on a second browser, then ends that sign-in from the first.
      const laptop = new Switchboard({ baseUrl: s.url, fetch: browserLike().fetch, retries: 0 });
      await laptop.auth.login({ email: 'grace@example.com', password: PASSWORD });
      const mine = await grace.auth.sessions();
      assert.equal(mine.length, 2);
      await grace.auth.endSession(mine.find((x) => !x.current)?.id ?? '');
      assert.ok((await laptop.auth.me().catch((e: unknown) => e)) instanceof AuthenticationError);

      const wrong = await laptop.auth
        .login({ email: 'grace@example.com', password: 'not it at all' })
        .catch((e: unknown) => e);
      assert.ok(wrong instanceof AuthenticationError);

      const log = await ada.audit.list({ action: 'user' });
      assert.deepEqual(
        log.data.map((e) => e.action),
        ['user.updated', 'user.created', 'user.invited', 'user.created'],
      );
      const page = await ada.audit.list({ limit: 1, from: new Date(Date.now() - 3600_000) });
      assert.equal(page.data.length, 1);
      assert.ok(page.pagination.nextCursor);
    });
  });
}
