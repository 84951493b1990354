/**
 * SSO against a real OpenID Connect issuer (oidc-provider, run here on a port of its own) with
 * its development login and consent pages, driven like a browser: the round trip signs an invited
 * person in; a tampered state, a wrong nonce, an expired code and a person the issuer knows but
 * Switchboard was not told to admit are all refused (and make no user); with a default role, any
 * verified address joins. The same flow in Chromium is in packages/web/test/accounts.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS, type TestContext, setup } from '../helpers.js';
import { FormBrowser, type Issuer, freePort, startIssuer } from '../oidc-issuer.js';
import { firstAdmin } from '../people.js';

for (const dialect of DIALECTS) {
  describe(`SSO with a real OpenID Connect issuer (${dialect})`, () => {
    let t: TestContext;
    let issuer: Issuer;
    let base: string;
    const callbackOf = () => `${base}/api/v1/auth/oidc/callback`;

    before(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      issuer = await startIssuer(`${base}/api/v1/auth/oidc/callback`);
      t = await setup(dialect, {
        publicUrl: base,
        accounts: {
          oidc: { issuer: issuer.url, clientId: 'switchboard', clientSecret: 'switchboard-client-secret' },
        },
      });
      await t.app.listen({ port, host: '127.0.0.1' });
      const ada = await firstAdmin(t);
      const inv = await ada.call('POST', '/api/v1/users/invitations', { email: 'grace@example.com', role: 'reviewer' });
      assert.equal(inv.statusCode, 201);
      const ursula = await ada.call('POST', '/api/v1/users/invitations', {
        email: 'ursula@example.com',
        role: 'viewer',
      });
      assert.equal(ursula.statusCode, 201);
    });
    after(async () => {
      await t.close();
      await issuer.close();
    });

    /** The round trip up to the issuer's redirect back, which is returned unvisited. */
    async function toCallback(browser: FormBrowser, login: string): Promise<string> {
      const atCallback = (u: string) => u.startsWith(callbackOf());
      const loginPage = await browser.follow(`${base}/api/v1/auth/oidc/start`);
      assert.match(loginPage.url, new RegExp(`^${issuer.url}/interaction/`));
      const consent = await browser.submit(loginPage, { prompt: 'login', login, password: 'anything' }, atCallback);
      if (atCallback(consent.url)) return consent.url;
      const back = await browser.submit(consent, { prompt: 'consent' }, atCallback);
      assert.ok(atCallback(back.url), back.url);
      return back.url;
    }

    const me = (browser: FormBrowser) =>
      browser.request(`${base}/api/v1/auth/me`).then(async (r) => ({ status: r.status, body: await r.json() }));
    const users = async () =>
      (await t.store.db.selectFrom('users').select(['email', 'role']).execute()).map((u) => u.email);

    test('SSO is offered, and the authorization request carries PKCE (S256), state and nonce', async () => {
      const res = await fetch(`${base}/api/v1/auth/sso`);
      assert.deepEqual(await res.json(), { enabled: true });
      const start = await fetch(`${base}/api/v1/auth/oidc/start`, { redirect: 'manual' });
      assert.equal(start.status, 302);
      const to = new URL(start.headers.get('location') ?? '');
      assert.equal(to.origin, issuer.url);
      assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(to.searchParams.get('code_challenge'));
      assert.ok(to.searchParams.get('nonce'));
      assert.equal(to.searchParams.get('redirect_uri'), callbackOf());
      const cookie = start.headers.getSetCookie().find((c) => c.startsWith('sb_oidc='));
      assert.match(cookie ?? '', /HttpOnly/i);
      assert.equal(cookie?.split(';')[0], `sb_oidc=${to.searchParams.get('state')}`);
    });

    test('an invited person signs in through the issuer with the role of the invitation', async () => {
      const browser = new FormBrowser();
      const callback = await toCallback(browser, 'grace');
      const res = await browser.request(callback);
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), '/');
      const who = await me(browser);
      assert.equal(who.status, 200);
      assert.deepEqual(who.body.user, {
        id: who.body.user.id,
        email: 'grace@example.com',
        name: 'Grace Hopper',
        role: 'reviewer',
      });
      // The next time, the same person (no second user).
      const again = new FormBrowser();
      await again.request(await toCallback(again, 'grace'));
      assert.equal((await me(again)).body.user.id, who.body.user.id);
      assert.equal((await users()).filter((e) => e === 'grace@example.com').length, 1);
      const sessions = await browser.request(`${base}/api/v1/auth/sessions`);
      assert.equal((await sessions.json()).data[0].method, 'oidc');
    });

    test('a tampered state is refused', async () => {
      const browser = new FormBrowser();
      const callback = new URL(await toCallback(browser, 'grace'));
      callback.searchParams.set('state', `${callback.searchParams.get('state')}x`);
      const res = await browser.request(callback.href);
      assert.equal(res.headers.get('location'), '/login?sso=state');
      assert.equal((await me(browser)).status, 401);
    });

    test('a callback in another browser (no state cookie) is refused', async () => {
      const callback = await toCallback(new FormBrowser(), 'grace');
      const other = new FormBrowser();
      const res = await other.request(callback);
      assert.equal(res.headers.get('location'), '/login?sso=state');
      assert.equal((await me(other)).status, 401);
    });

    test('a wrong nonce in the ID token is refused', async () => {
      const browser = new FormBrowser();
      const callback = await toCallback(browser, 'grace');
      // The issuer signed the nonce Switchboard sent; Switchboard now expects another.
      await t.store.db.updateTable('oidc_states').set({ nonce: 'not-the-nonce-that-was-sent' }).execute();
      const res = await browser.request(callback);
      assert.equal(res.headers.get('location'), '/login?sso=issuer');
      assert.equal((await me(browser)).status, 401);
    });

    test('an expired code is refused', async () => {
      issuer.codeTtl = 1;
      try {
        const browser = new FormBrowser();
        const callback = await toCallback(browser, 'grace');
        const issued = Date.now();
        // Wait for the code's lifetime to pass on the clock (the issuer counts whole seconds).
        await new Promise<void>((resolve) => {
          const check = () => (Date.now() - issued > 2100 ? resolve() : setTimeout(check, 50));
          check();
        });
        const res = await browser.request(callback);
        assert.equal(res.headers.get('location'), '/login?sso=issuer');
        assert.equal((await me(browser)).status, 401);
      } finally {
        issuer.codeTtl = 60;
      }
    });

    test('a person the issuer knows but nobody invited is refused, and no user is made', async () => {
      const browser = new FormBrowser();
      const res = await browser.request(await toCallback(browser, 'mallory'));
      assert.equal(res.headers.get('location'), '/login?sso=not-invited');
      assert.equal((await me(browser)).status, 401);
      assert.ok(!(await users()).includes('mallory@example.com'));
    });

    test('an address the issuer did not verify is refused even when invited', async () => {
      const browser = new FormBrowser();
      const res = await browser.request(await toCallback(browser, 'ursula'));
      assert.equal(res.headers.get('location'), '/login?sso=unverified');
      assert.ok(!(await users()).includes('ursula@example.com'));
    });

    test('a disabled person cannot come back through SSO', async () => {
      const grace = await t.store.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'grace@example.com')
        .executeTakeFirstOrThrow();
      await t.store.db.updateTable('users').set({ disabled_at: Date.now() }).where('id', '=', grace.id).execute();
      try {
        const browser = new FormBrowser();
        const res = await browser.request(await toCallback(browser, 'grace'));
        assert.equal(res.headers.get('location'), '/login?sso=not-invited');
      } finally {
        await t.store.db.updateTable('users').set({ disabled_at: null }).where('id', '=', grace.id).execute();
      }
    });
  });

  describe(`SSO with a default role (${dialect})`, () => {
    test('any verified address joins with the default role; SSO off: 404', async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${port}`;
      const issuer = await startIssuer(`${base}/api/v1/auth/oidc/callback`);
      const t = await setup(dialect, {
        publicUrl: base,
        accounts: {
          oidc: {
            issuer: issuer.url,
            clientId: 'switchboard',
            clientSecret: 'switchboard-client-secret',
            defaultRole: 'viewer',
          },
        },
      });
      const off = await setup(dialect);
      try {
        await t.app.listen({ port, host: '127.0.0.1' });
        const browser = new FormBrowser();
        const page = await browser.follow(`${base}/api/v1/auth/oidc/start`);
        const atCallback = (u: string) => u.startsWith(`${base}/api/v1/auth/oidc/callback`);
        const consent = await browser.submit(page, { prompt: 'login', login: 'nina', password: 'x' }, atCallback);
        const back = atCallback(consent.url)
          ? consent
          : await browser.submit(consent, { prompt: 'consent' }, atCallback);
        const res = await browser.request(back.url);
        assert.equal(res.headers.get('location'), '/');
        const who = await (await browser.request(`${base}/api/v1/auth/me`)).json();
        assert.equal(who.user.email, 'nina@example.com');
        assert.equal(who.user.role, 'viewer');
        assert.deepEqual((await off.app.inject({ method: 'GET', url: '/api/v1/auth/sso' })).json(), { enabled: false });
        assert.equal((await off.app.inject({ method: 'GET', url: '/api/v1/auth/oidc/start' })).statusCode, 404);
      } finally {
        await t.close();
        await off.close();
        await issuer.close();
      }
    });
  });
}
