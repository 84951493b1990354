/**
 * Password sign-in under attack (services/accounts.ts, lib/password.ts): guessing one account's
 * password locks it for a while, for addresses that exist and those that do not alike; guessing
 * from one address locks that address; a lock ends when its time is up; and the time an answer
 * takes does not tell whether an e-mail address has an account.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { verifyPassword, hashPassword } from '../../src/lib/password.js';
import { DIALECTS, type TestContext, assertProblem, setup } from '../helpers.js';
import { PASSWORD, firstAdmin, login } from '../people.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

test('password hashes: scrypt with a salt of its own per hash, checked in constant time', async () => {
  const a = await hashPassword(PASSWORD);
  const b = await hashPassword(PASSWORD);
  assert.match(a, /^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
  assert.notEqual(a, b, 'the same password hashes differently (per-hash salt)');
  assert.equal(await verifyPassword(PASSWORD, a), true);
  assert.equal(await verifyPassword(`${PASSWORD}!`, a), false);
  assert.equal(await verifyPassword(PASSWORD, 'garbage'), false);
});

for (const dialect of DIALECTS) {
  describe(`password sign-in defences (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect, {
        accounts: { lockout: { account: 5, address: 12, windowMs: 15 * 60_000, lockMs: 15 * 60_000 } },
      });
      await firstAdmin(t, 'ada@example.com');
    });
    after(() => t.close());

    const unlockAll = () => t.store.db.deleteFrom('login_failures').execute();

    test('brute force on one account hits the lockout; then even the right password waits', async () => {
      for (let i = 0; i < 5; i++)
        assertProblem(await login(t, 'ada@example.com', `guess ${i}`, `192.0.2.${10 + i}`), 401);
      const locked = await login(t, 'ada@example.com', PASSWORD, '192.0.2.99');
      assertProblem(locked, 429);
      assert.ok(Number(locked.headers['retry-after']) > 800, `Retry-After ${locked.headers['retry-after']}`);
      assert.match(locked.json().detail, /locked/);
      // Other accounts are not locked by it.
      assertProblem(await login(t, 'someone@example.com', 'x', '192.0.2.98'), 401);
      // When the lock's time is up the right password works again, and clears the count.
      await t.store.db
        .updateTable('login_failures')
        .set({ locked_until: Date.now() - 1, window_started_at: 0 })
        .execute();
      assert.equal((await login(t, 'ada@example.com', PASSWORD, '192.0.2.99')).statusCode, 200);
      await unlockAll();
    });

    test('an address that does not exist locks the same way: the lockout tells nothing', async () => {
      const answers: number[] = [];
      for (let i = 0; i < 6; i++)
        answers.push((await login(t, 'ghost@example.com', `guess ${i}`, `192.0.2.${40 + i}`)).statusCode);
      assert.deepEqual(answers, [401, 401, 401, 401, 401, 429]);
      await unlockAll();
    });

    test('many accounts guessed from one address lock that address, not others', async () => {
      for (let i = 0; i < 12; i++) assertProblem(await login(t, `user${i}@example.com`, 'guess', '203.0.113.5'), 401);
      assertProblem(await login(t, 'ada@example.com', PASSWORD, '203.0.113.5'), 429);
      assert.equal((await login(t, 'ada@example.com', PASSWORD, '203.0.113.6')).statusCode, 200);
      await unlockAll();
    });

    test('timing does not reveal whether an e-mail has an account (medians of many tries)', async () => {
      // Both paths run one scrypt check; without the dummy hash the unknown address would answer
      // in a database lookup's time, tens of times faster.
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 24; i++) {
        for (const [email, into] of [
          ['ada@example.com', known],
          [`nobody${i}@example.com`, unknown],
        ] as const) {
          const started = performance.now();
          const res = await login(t, email, 'wrong password', `198.18.${i}.${into === known ? 1 : 2}`);
          into.push(performance.now() - started);
          assert.equal(res.statusCode, 401);
        }
        if (i % 4 === 3) await unlockAll();
      }
      const [k, u] = [median(known), median(unknown)];
      const ratio = Math.max(k, u) / Math.min(k, u);
      assert.ok(
        ratio < 1.5,
        `medians ${k.toFixed(1)} ms (known) vs ${u.toFixed(1)} ms (unknown): ratio ${ratio.toFixed(2)}`,
      );
      console.log(`# sign-in timing: known ${k.toFixed(1)} ms, unknown ${u.toFixed(1)} ms (medians of 24)`);
      await unlockAll();
    });
  });
}
