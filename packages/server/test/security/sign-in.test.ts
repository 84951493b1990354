/**
 * Dashboard sign-in under attack (routes/auth.ts, plugins/rate-limit.ts, services/expiry.ts):
 * a flood of `POST /auth/login` is cut to the per-address quota and leaves at most that many
 * rows; one key cannot be used from many addresses to get around it; an IPv6 client counts by its
 * /64; expired sign-ins and idle buckets are deleted; signing out needs the CSRF header.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Me } from '@switchboard/contracts';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { generateKey } from '../../src/lib/keys.js';
import { ExpirySweeper } from '../../src/services/expiry.js';
import { DIALECTS, type Res, type TestContext, assertProblem, assertShape, call, setup } from '../helpers.js';
import { until } from './proc.js';

/** The default quota: sign-in attempts a minute per client address and per key. */
const QUOTA = 20;
const quiet = { info() {}, error() {} };

for (const dialect of DIALECTS) {
  describe(`sign-in defences (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    const login = async (key: string, remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) =>
      (await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress,
        headers: { 'content-type': 'application/json', ...headers },
        payload: JSON.stringify({ key }),
      })) as Res;
    const signIns = async () =>
      Number(
        (
          await t.store.db
            .selectFrom('dashboard_sessions')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    /** Tokens that come back while a test runs: the bucket refills `QUOTA` a minute. */
    const refilledSince = (started: number) => Math.ceil(((Date.now() - started) / 60_000) * QUOTA);

    test('a flood of 2,000 sign-ins from one address gets the quota through and stores that many rows', async () => {
      const key = await t.key(['read']);
      const rowsBefore = await signIns();
      const started = Date.now();
      const statuses: number[] = [];
      let refused: Res | undefined;
      for (let i = 0; i < 2000; i += 100)
        for (const res of await Promise.all(Array.from({ length: 100 }, () => login(key, '203.0.113.7')))) {
          statuses.push(res.statusCode);
          if (res.statusCode === 429) refused ??= res;
        }
      const ok = statuses.filter((s) => s === 200).length;
      assert.ok(ok >= QUOTA && ok <= QUOTA + refilledSince(started), `${ok} sign-ins got through`);
      assert.equal(statuses.filter((s) => s === 429).length, 2000 - ok);
      assert.equal((await signIns()) - rowsBefore, ok, 'one row per sign-in that got through, none for the rest');
      assert.ok(refused);
      const p = assertProblem(refused, 429);
      assert.match(p.type, /rate-limited$/);
      assert.match(p.detail, /Too many sign-in attempts from this address/);
      assert.ok(Number(refused.headers['retry-after']) >= 1);
      // Refused by the address's policy, before the key's was spent: only that one is told.
      assert.equal(refused.headers['ratelimit-policy'], `"login-address";q=${QUOTA};w=60`);
      // Another address is not held up by this one.
      assert.equal((await login(t.adminKey, '198.51.100.20')).statusCode, 200);
    });

    test('wrong keys spend the address’s quota too, so guessing is bounded', async () => {
      const address = '192.0.2.44';
      // Mistyped keys (checksum fails) cost nothing and are refused before any bucket ...
      for (let i = 0; i < QUOTA; i++) assertProblem(await login('swb_not-even-a-key', address), 401);
      // ... well-formed unknown ones are looked up, so they count.
      for (let i = 0; i < QUOTA; i++) assert.equal((await login(generateKey(), address)).statusCode, 401);
      assertProblem(await login(t.adminKey, address), 429);
    });

    test('one key from many addresses is held to the key’s own quota', async () => {
      const key = await t.key(['read']);
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => login(key, `10.${i >> 8}.${i & 255}.9`)));
      const ok = results.filter((r) => r.statusCode === 200).length;
      assert.ok(ok >= QUOTA && ok <= QUOTA + refilledSince(started), `${ok} sign-ins got through`);
      const refused = results.find((r) => r.statusCode === 429);
      assert.ok(refused);
      assert.match(assertProblem(refused, 429).detail, /Too many sign-ins with this key/);
      // The addresses themselves are not used up: another key signs in from them.
      assert.equal((await login(t.adminKey, '10.0.0.9')).statusCode, 200);
    });

    test('an IPv6 client counts by its /64; X-Forwarded-For is believed only behind a trusted proxy', async () => {
      const key = await t.key(['read']);
      const other = await t.key(['read']);
      // Twenty addresses of one /64 share a quota ...
      for (let i = 1; i <= QUOTA; i++)
        assert.equal((await login(i % 2 ? key : other, `2001:db8:aa:1::${i.toString(16)}`)).statusCode, 200);
      assertProblem(await login(t.adminKey, '2001:db8:aa:1:ffff::1'), 429);
      // ... the next /64 has its own.
      assert.equal((await login(t.adminKey, '2001:db8:aa:2::1')).statusCode, 200);
      // A made-up X-Forwarded-For does not make a client someone else (trustProxy is off here).
      for (let i = 0; i < QUOTA; i++) await login(generateKey(), '192.0.2.99', { 'x-forwarded-for': `1.2.3.${i}` });
      assertProblem(await login(t.adminKey, '192.0.2.99', { 'x-forwarded-for': '9.9.9.9' }), 429);
    });

    test('the expiry sweep deletes expired sign-ins and keeps live ones', async () => {
      const live = await login(t.adminKey, '198.51.100.60');
      assert.equal(live.statusCode, 200);
      assertShape(Me, live.json());
      const cookie = String(live.headers['set-cookie']).split(';')[0];
      const expiring = await login(t.adminKey, '198.51.100.61');
      const expiredCookie = String(expiring.headers['set-cookie']).split(';')[0];
      // Every sign-in but `live` past its expiry, as they would be a week later.
      const now = Date.now();
      await t.store.db
        .updateTable('dashboard_sessions')
        .set({ expires_at: now - 1 })
        .where('token_hash', '!=', tokenHashOf(cookie))
        .execute();
      // A backlog, as a flood from before the limit would have left: deleted in batches.
      const { id: keyId } = await t.store.db.selectFrom('api_keys').select('id').executeTakeFirstOrThrow();
      for (let i = 0; i < 2500; i += 500)
        await t.store.db
          .insertInto('dashboard_sessions')
          .values(
            Array.from({ length: 500 }, (_, j) => ({
              token_hash: `backlog-${i + j}`,
              key_id: keyId,
              created_at: now - 8 * 86_400_000,
              expires_at: now - 86_400_000,
            })),
          )
          .execute();
      const before = await signIns();
      assert.ok(before > 2500);
      const swept = await new ExpirySweeper(t.store, quiet).sweep(now);
      assert.equal(swept.signIns, before - 1, 'every expired sign-in is deleted');
      assert.equal(await signIns(), 1);
      assert.equal((await call(t.app, null, 'GET', '/api/v1/auth/me', undefined, { cookie })).statusCode, 200);
      assertProblem(await call(t.app, null, 'GET', '/api/v1/auth/me', undefined, { cookie: expiredCookie }), 401);
    });

    test('the app’s jobs run the sweep when it starts', async () => {
      const signedIn = await login(t.adminKey, '198.51.100.62');
      assert.equal(signedIn.statusCode, 200);
      await t.store.db
        .updateTable('dashboard_sessions')
        .set({ expires_at: Date.now() - 1 })
        .execute();
      const app: FastifyInstance = await buildApp({ store: t.store, jobs: { sweepExpired: true } });
      try {
        await app.ready();
        await until('expired sign-ins deleted', async () => (await signIns()) === 0);
      } finally {
        await app.close();
      }
    });

    if (dialect === 'postgres')
      test('idle rate-limit buckets are deleted from PostgreSQL; recent ones stay', async () => {
        const count = async () =>
          Number(
            (
              await t.store.db
                .selectFrom('rate_limit_buckets' as never)
                .select((eb) => eb.fn.countAll<number>().as('n'))
                .executeTakeFirstOrThrow()
            ).n,
          );
        await login(generateKey(), '192.0.2.200');
        const before = await count();
        assert.ok(before > 0);
        const sweeper = new ExpirySweeper(t.store, quiet);
        assert.equal((await sweeper.sweep(Date.now())).buckets, 0, 'buckets used just now are kept');
        const swept = await sweeper.sweep(Date.now() + 11 * 60_000);
        assert.equal(swept.buckets, before);
        assert.equal(await count(), 0);
      });

    test('signing out needs the CSRF header: without it, 403 and the session lives on', async () => {
      const res = await login(t.adminKey, '198.51.100.70');
      const cookie = String(res.headers['set-cookie']).split(';')[0];
      const out = await call(t.app, null, 'POST', '/api/v1/auth/logout', undefined, { cookie });
      assert.match(assertProblem(out, 403).type, /csrf$/);
      assert.equal(out.headers['set-cookie'], undefined, 'the cookie is not cleared');
      assert.equal((await call(t.app, null, 'GET', '/api/v1/auth/me', undefined, { cookie })).statusCode, 200);
      // Without any cookie it is refused the same way (another site cannot tell the difference).
      assertProblem(await call(t.app, null, 'POST', '/api/v1/auth/logout'), 403);
      const ok = await call(t.app, null, 'POST', '/api/v1/auth/logout', undefined, {
        cookie,
        'x-switchboard-csrf': '1',
      });
      assert.equal(ok.statusCode, 204);
      assertProblem(await call(t.app, null, 'GET', '/api/v1/auth/me', undefined, { cookie }), 401);
    });
  });
}

/** The stored hash of a session cookie's token (plugins/auth.ts keeps only its SHA-256). */
const tokenHashOf = (cookie: string) =>
  createHash('sha256')
    .update(decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)))
    .digest('hex');
