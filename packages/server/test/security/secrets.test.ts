/**
 * Secrets stay secret. A real server at LOG_LEVEL=debug goes through sign-in, key creation,
 * webhook creation and rotation, deliveries, bearer and cookie requests and failed logins; then
 * every byte it wrote is searched for every key, cookie and webhook secret it handled. Also: a
 * key with a bad checksum is refused without the database, and webhook secrets are encrypted at
 * rest: with SWITCHBOARD_ENCRYPTION_KEY, or else with a key file generated at first start; old
 * plaintext rows are sealed at start and keep working.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { buildApp } from '../../src/app.js';
import { bootstrap } from '../../src/bootstrap.js';
import { generateKey } from '../../src/lib/keys.js';
import { openSecret, parseEncryptionKey, sealSecret, useEncryptionKey } from '../../src/lib/secret-box.js';
import { openStore } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { DIALECTS, call, freshDatabaseUrl, setup } from '../helpers.js';
import { type Received, api, receiver, serve, until } from './proc.js';

const verify = (secret: string, r: Received) =>
  new StandardWebhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  });

/**
 * Makes the database (migrated, with `adminKey`) and a webhook whose secret is stored as plaintext,
 * as versions before encryption by default did (the app built here has no key), and returns it.
 */
async function plaintextWebhook(databaseUrl: string, adminKey: string, url: string): Promise<string> {
  const store = openStore(databaseUrl);
  try {
    await migrate(store, undefined, () => {});
    await bootstrap(store, { adminKey, dataDir: tmpdir() });
    const app = await buildApp({ store, webDir: '/nonexistent', webhooks: { allowPrivate: true } });
    try {
      const res = await call(app, adminKey, 'POST', '/api/v1/webhooks', { url, events: ['*'] });
      assert.equal(res.statusCode, 201, res.body);
      const row = await store.db
        .selectFrom('webhooks')
        .select('secret')
        .where('id', '=', res.json().id)
        .executeTakeFirst();
      assert.equal(row?.secret, res.json().secret, 'stored as plaintext');
      return res.json().secret;
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
  }
}

/** A well-formed key with one character of its checksum changed. */
function badChecksum(key: string) {
  const last = key[key.length - 1];
  return key.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

describe('encryption of webhook secrets (unit)', () => {
  test('sealed secrets open again, are not the plaintext, and plaintext passes through', () => {
    try {
      useEncryptionKey(parseEncryptionKey(randomBytes(32).toString('base64')));
      const s = `whsec_${randomBytes(32).toString('base64')}`;
      const sealed = sealSecret(s);
      assert.match(sealed, /^enc:v1:/);
      assert.ok(!sealed.includes(s.slice(6)));
      assert.notEqual(sealSecret(s), sealed, 'a fresh IV every time');
      assert.equal(openSecret(sealed), s);
      assert.equal(openSecret(s), s, 'rows from before the key still work');
      // Tampering is detected by GCM, not silently turned into another secret.
      const tampered = sealed.slice(0, -4) + (sealed.endsWith('AAAA') ? 'BBBB' : 'AAAA');
      assert.throws(() => openSecret(tampered));
      useEncryptionKey(parseEncryptionKey(randomBytes(32).toString('hex')));
      assert.throws(() => openSecret(sealed), 'another key cannot open it');
      useEncryptionKey(null);
      assert.throws(() => openSecret(sealed), /SWITCHBOARD_ENCRYPTION_KEY/);
      assert.throws(() => parseEncryptionKey('short'));
    } finally {
      useEncryptionKey(null);
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`secrets (${dialect})`, () => {
    const cleanups: Array<() => Promise<void>> = [];
    after(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    test('a key with a bad checksum is refused before the database: 401 even with the database gone', async () => {
      const t = await setup(dialect);
      const good = t.adminKey;
      assert.equal((await call(t.app, good, 'GET', '/api/v1/keys')).statusCode, 200);
      // Take the database away under the running app.
      await t.store.close();
      const bad = await call(t.app, badChecksum(good), 'GET', '/api/v1/sessions');
      assert.equal(bad.statusCode, 401, bad.body);
      assert.equal(bad.json().type, 'https://switchboard.dev/problems/unauthorized');
      const login = await call(t.app, null, 'POST', '/api/v1/auth/login', { key: badChecksum(good) });
      assert.equal(login.statusCode, 401);
      // The control: a well-formed key does need the database, and now fails without it.
      const wellFormed = await call(t.app, generateKey(), 'GET', '/api/v1/sessions');
      assert.ok(wellFormed.statusCode >= 500, `a well-formed key got ${wellFormed.statusCode}`);
      assert.ok(!wellFormed.body.includes('Error:'), 'no internal message in the 5xx');
      await t.app.close();
      await t.close().catch(() => {});
    });

    test('no key, cookie or webhook secret in the logs at LOG_LEVEL=debug; secrets encrypted at rest', async () => {
      const db = await freshDatabaseUrl(dialect);
      cleanups.push(db.drop);
      const hooks = await receiver();
      cleanups.push(hooks.close);
      const adminKey = generateKey();
      const encryptionKey = randomBytes(32).toString('base64');
      const env = {
        DATABASE_URL: db.url,
        SWITCHBOARD_ADMIN_KEY: adminKey,
        LOG_LEVEL: 'debug',
        SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
        SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1,1,1',
      };
      const secrets: Record<string, string> = { adminKey, encryptionKey };

      // 1. A webhook whose secret an older version stored as plaintext.
      secrets.oldHookSecret = await plaintextWebhook(db.url, adminKey, `${hooks.url}?old`);
      let output = '';

      // 2. With SWITCHBOARD_ENCRYPTION_KEY: everything else.
      const p = await serve({ ...env, SWITCHBOARD_ENCRYPTION_KEY: encryptionKey });
      try {
        const login = await fetch(`${p.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ key: adminKey }),
        });
        assert.equal(login.status, 200);
        const setCookie = login.headers.get('set-cookie') ?? '';
        const cookieValue = /sb_session=([^;]+)/.exec(setCookie)?.[1];
        assert.ok(cookieValue);
        secrets.cookie = decodeURIComponent(cookieValue);
        const cookie = { cookie: `sb_session=${cookieValue}`, 'x-switchboard-csrf': '1' };
        assert.equal((await api(p.url, null, 'GET', '/api/v1/auth/me', undefined, cookie)).status, 200);

        const created = await api(
          p.url,
          null,
          'POST',
          '/api/v1/keys',
          { name: 'ingest', scopes: ['ingest', 'read'] },
          cookie,
        );
        assert.equal(created.status, 201, created.text);
        secrets.createdKey = created.json.key;

        const hook = await api(p.url, adminKey, 'POST', '/api/v1/webhooks', { url: hooks.url, events: ['*'] });
        assert.equal(hook.status, 201);
        secrets.hookSecret = hook.json.secret;
        const rotated = await api(p.url, adminKey, 'POST', `/api/v1/webhooks/${hook.json.id}/rotate-secret`);
        assert.equal(rotated.status, 200);
        secrets.rotatedSecret = rotated.json.secret;

        // Bearer traffic with the new key, in the header forms a client might use.
        const s = await api(p.url, secrets.createdKey, 'POST', '/api/v1/sessions', {
          id: 'sec-1',
          agent: { id: 'a' },
          channel: 'web',
          type: 'chat',
        });
        assert.equal(s.status, 201);
        assert.equal(
          (
            await api(p.url, null, 'GET', '/api/v1/sessions', undefined, {
              authorization: `bearer   ${secrets.createdKey}`,
            })
          ).status,
          200,
        );

        // Failed authentication of every kind.
        secrets.wrongKey = generateKey();
        secrets.badChecksum = badChecksum(secrets.createdKey);
        assert.equal((await api(p.url, secrets.wrongKey, 'GET', '/api/v1/sessions')).status, 401);
        assert.equal((await api(p.url, secrets.badChecksum, 'GET', '/api/v1/sessions')).status, 401);
        assert.equal(
          (await api(p.url, null, 'GET', '/api/v1/sessions', undefined, { authorization: `Token ${secrets.wrongKey}` }))
            .status,
          401,
        );
        assert.equal((await api(p.url, null, 'POST', '/api/v1/auth/login', { key: secrets.wrongKey })).status, 401);
        assert.equal(
          (await api(p.url, null, 'GET', '/api/v1/sessions', undefined, { cookie: `sb_session=${secrets.wrongKey}` }))
            .status,
          401,
        );
        // A key pasted into a URL is refused (unknown parameter), and must not be logged either.
        await api(p.url, adminKey, 'GET', `/api/v1/sessions?key=${secrets.wrongKey}`);

        // Deliveries to both endpoints verify: the new one with either secret during the grace
        // period, the old (plaintext-stored) one with its secret.
        const both = await until('deliveries to both endpoints', () => {
          const n = hooks.got.filter((r) => r.body.includes('sec-1'));
          return n.length >= 2 ? n : undefined;
        });
        for (const r of both) {
          if (r.headers['webhook-signature']?.includes(' ')) {
            verify(secrets.rotatedSecret, r);
            verify(secrets.hookSecret, r);
          } else verify(secrets.oldHookSecret, r);
        }

        // The row of the new webhook holds neither secret, in any encoding.
        const store = openStore(db.url);
        try {
          const rows = await store.db.selectFrom('webhooks').select(['id', 'secret', 'previous_secret']).execute();
          const row = rows.find((r) => r.id === hook.json.id);
          assert.ok(row);
          assert.match(row.secret, /^enc:v1:/);
          assert.match(String(row.previous_secret), /^enc:v1:/);
          const text = JSON.stringify(rows.filter((r) => r.id === hook.json.id));
          for (const sec of [secrets.hookSecret, secrets.rotatedSecret])
            for (const form of [sec, sec.slice(6), Buffer.from(sec.slice(6), 'base64').toString('hex')])
              assert.ok(!text.includes(form), 'a webhook secret is readable in the database');
          // The plaintext row from before was sealed at start, and still delivers (above).
          const old = rows.find((r) => r.id !== hook.json.id);
          assert.match(String(old?.secret), /^enc:v1:/);
          assert.ok(!JSON.stringify(old).includes(secrets.oldHookSecret.slice(6)));
        } finally {
          await store.close();
        }
        // Logout, then the old cookie is dead.
        assert.equal((await api(p.url, null, 'POST', '/api/v1/auth/logout', undefined, cookie)).status, 204);
        assert.equal((await api(p.url, null, 'GET', '/api/v1/auth/me', undefined, cookie)).status, 401);
      } finally {
        await p.stop();
        output += p.out();
      }
      const lines = output.split('\n').filter((l) => l.trim());
      assert.ok(lines.filter((l) => l.includes('"msg":"request"')).length >= 10, 'request lines were written');
      for (const [name, value] of Object.entries(secrets)) {
        const forms = new Set([value, encodeURIComponent(value)]);
        if (value.startsWith('whsec_')) forms.add(value.slice(6));
        for (const form of forms) {
          const leak = lines.find((l) => l.includes(form));
          assert.equal(leak, undefined, `${name} appears in the output: ${leak?.slice(0, 300)}`);
        }
      }
    });

    test('without SWITCHBOARD_ENCRYPTION_KEY: a generated 0600 key file seals secrets by default', async () => {
      const root = mkdtempSync(join(tmpdir(), 'sb-keyfile-'));
      cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
      const dataDir = join(root, 'data');
      // SQLite: the key goes beside the database; PostgreSQL: to SWITCHBOARD_DATA_DIR.
      const db =
        dialect === 'sqlite'
          ? { url: `sqlite:${join(dataDir, 'switchboard.db')}`, drop: async () => {} }
          : await freshDatabaseUrl(dialect);
      cleanups.push(db.drop);
      const hooks = await receiver();
      cleanups.push(hooks.close);
      const adminKey = generateKey();
      const env = {
        DATABASE_URL: db.url,
        SWITCHBOARD_ADMIN_KEY: adminKey,
        SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
        SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: '1,1,1',
        ...(dialect === 'postgres' ? { SWITCHBOARD_DATA_DIR: dataDir } : {}),
      };
      const keyFile = join(dataDir, 'secret.key');
      // An older version's plaintext secret, then the first start of this one.
      const oldSecret = await plaintextWebhook(db.url, adminKey, `${hooks.url}?old`);
      let p = await serve(env);
      let newSecret: string;
      let newId: string;
      try {
        assert.equal((statSync(keyFile).mode & 0o777).toString(8), '600');
        assert.equal((statSync(dataDir).mode & 0o777).toString(8), '700');
        const hook = await api(p.url, adminKey, 'POST', '/api/v1/webhooks', { url: hooks.url, events: ['*'] });
        assert.equal(hook.status, 201);
        newSecret = hook.json.secret;
        newId = hook.json.id;
      } finally {
        await p.stop();
      }
      const key = readFileSync(keyFile, 'utf8');
      const store = openStore(db.url);
      try {
        const rows = await store.db.selectFrom('webhooks').select(['secret']).execute();
        assert.equal(rows.length, 2);
        for (const r of rows) assert.match(r.secret, /^enc:v1:/);
        const text = JSON.stringify(rows);
        for (const sec of [oldSecret, newSecret]) assert.ok(!text.includes(sec.slice(6)), 'a secret is readable');
      } finally {
        await store.close();
      }

      // A restart keeps the key, and both endpoints' deliveries verify.
      p = await serve(env);
      try {
        assert.equal(readFileSync(keyFile, 'utf8'), key);
        const s = await api(p.url, adminKey, 'POST', '/api/v1/sessions', {
          id: 'kf-1',
          agent: { id: 'a' },
          channel: 'web',
          type: 'chat',
        });
        assert.equal(s.status, 201);
        const got = await until('both deliveries', () => {
          const n = hooks.got.filter((r) => r.body.includes('kf-1'));
          return n.length >= 2 ? n : undefined;
        });
        // One delivery per endpoint, each signed with that endpoint's secret.
        const verifies = (sec: string, r: Received) => {
          try {
            verify(sec, r);
            return true;
          } catch {
            return false;
          }
        };
        assert.deepEqual(
          [oldSecret, newSecret].map((sec) => got.filter((r) => verifies(sec, r)).length),
          [1, 1],
        );
      } finally {
        await p.stop();
      }

      // The key file left out of a restore: the server does not make a new key that would leave
      // the stored secrets unopenable; it refuses to start and says what to do.
      renameSync(keyFile, `${keyFile}.away`);
      await assert.rejects(
        serve(env),
        /secret\.key is missing, but the secrets of 2 webhook\(s\) in the database are encrypted/,
      );
      renameSync(`${keyFile}.away`, keyFile);

      // Another key (the old one lost for good): the server runs and says at once which secrets
      // it cannot open; rotating a webhook's secret makes it deliver again straight away, signed
      // with the new secret alone.
      p = await serve({ ...env, SWITCHBOARD_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
      try {
        await until('the warning', () => p.out().includes('encrypted with another key'));
        assert.match(p.out(), /"webhooks":2/);
        const rotated = await api(p.url, adminKey, 'POST', `/api/v1/webhooks/${newId}/rotate-secret`);
        assert.equal(rotated.status, 200);
        const s = await api(p.url, adminKey, 'POST', '/api/v1/sessions', {
          id: 'kf-2',
          agent: { id: 'a' },
          channel: 'web',
          type: 'chat',
        });
        assert.equal(s.status, 201);
        const [r] = await until('a delivery after the rotation', () => {
          const n = hooks.got.filter((g) => g.body.includes('kf-2'));
          return n.length ? n : undefined;
        });
        verify(rotated.json.secret, r);
        assert.ok(!String(r.headers['webhook-signature']).includes(' '), 'one signature');
      } finally {
        await p.stop();
      }
    });
  });
}
