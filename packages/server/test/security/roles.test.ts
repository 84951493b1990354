/**
 * Roles as a matrix over the app's real route table (read from `printRoutes`, so a new route is
 * covered without anyone remembering to add it): a viewer signed in with the dashboard cookie
 * gets 403 from every route that writes, bar a few that only concern the caller's own sign-in,
 * and on every route that reads gets exactly what a key with only the `read` scope gets. A
 * reviewer is held to a key with `read` and `review` the same way.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS, type TestContext, call, setup } from '../helpers.js';
import { type Person, firstAdmin, invited } from '../people.js';
import { routeTable } from '../route-table.js';

/** Writes anyone may make about their own sign-in, and why a viewer may. */
const OWN_SIGN_IN: Record<string, string> = {
  'POST /api/v1/auth/login': 'signs in (as whoever the credentials say)',
  'POST /api/v1/auth/logout': 'ends the caller’s own cookie',
  'POST /api/v1/auth/setup': 'needs the one-time setup token, not a role',
  'POST /api/v1/auth/invitations/accept': 'needs an invitation token, not a role',
  'DELETE /api/v1/auth/sessions/:id': 'ends one of the caller’s own sign-ins (404 for anyone else’s)',
};
/** Routes that never take the dashboard cookie: their own credential or none. */
const OWN_CREDENTIAL: Record<string, string> = {
  'POST /api/integrations/:id': 'authenticated by the platform’s signature (401 without it)',
};
/** Reads that take their question as a POST body: no write, so the read scope is enough. */
const READ_BY_POST: Record<string, string> = {
  'POST /api/v1/alerts/preview': 'a metric’s value now and over the last 24 h, for the rule being written',
};
/** Reads whose answer never ends: compared by the stream's own tests. */
const ENDLESS: Record<string, string> = {
  'GET /api/v1/stream': 'Server-Sent Events (scope read: stream.test.ts)',
};
const READS = new Set(['GET', 'HEAD']);
const isDocs = (route: string) => / \/api\/docs(\/|$)/.test(route);

for (const dialect of DIALECTS) {
  describe(`roles over every route (${dialect})`, () => {
    let t: TestContext;
    let routes: string[];
    let people: Record<'viewer' | 'reviewer', Person>;
    let keys: Record<'viewer' | 'reviewer', string>;
    let integrationId: string;

    before(async () => {
      t = await setup(dialect, { rateLimits: { read: 0, ingest: 0, export: 0 } });
      const admin = await firstAdmin(t);
      people = { viewer: await invited(t, admin, 'viewer'), reviewer: await invited(t, admin, 'reviewer') };
      keys = { viewer: await t.key(['read']), reviewer: await t.key(['read', 'review']) };
      const integration = await call(t.app, t.adminKey, 'POST', '/api/v1/integrations', {
        provider: 'vapi',
        name: 'roles',
        secret: 'vapi-secret-roles',
      });
      integrationId = integration.json().id;
      routes = routeTable(t.app.printRoutes({ commonPrefix: false })).filter((r) => !isDocs(r));
    });
    after(() => t.close());

    // Ids that exist nowhere, but for an integration's own address: its credential is checked there.
    const urlOf = (path: string) =>
      path.startsWith('/api/integrations/')
        ? `/api/integrations/${integrationId}`
        : path.replace(/:(\w+)/g, 'no-such-$1');

    test('the route table is read from the app (sanity)', () => {
      assert.ok(routes.includes('PATCH /api/v1/users/:id'), routes.join('\n'));
      assert.ok(routes.filter((r) => !READS.has(r.split(' ')[0])).length > 15);
      const known = [...Object.keys(OWN_SIGN_IN), ...Object.keys(OWN_CREDENTIAL), ...Object.keys(ENDLESS)];
      assert.deepEqual(
        known.filter((r) => !routes.includes(r)),
        [],
        'exceptions for routes that no longer exist',
      );
    });

    for (const role of ['viewer', 'reviewer'] as const) {
      test(`a ${role} gets 403 from every route that writes`, async () => {
        const reached: string[] = [];
        let checked = 0;
        for (const route of routes) {
          const [method, path] = route.split(' ');
          if (READS.has(method) || OWN_SIGN_IN[route] || READ_BY_POST[route] || method === 'OPTIONS') continue;
          // A review route is exactly what a reviewer may write; the review scope decides it.
          const res = await people[role].call(method as 'POST', urlOf(path), method === 'DELETE' ? undefined : {});
          const keyRes = await call(
            t.app,
            keys[role],
            method as 'POST',
            urlOf(path),
            method === 'DELETE' ? undefined : {},
          );
          checked++;
          const expected = OWN_CREDENTIAL[route] ? 401 : 403;
          if (role === 'reviewer' && keyRes.statusCode !== 403 && !OWN_CREDENTIAL[route]) {
            // Allowed to a read+review key, so allowed to a reviewer: the same answer.
            if (res.statusCode !== keyRes.statusCode)
              reached.push(`${route} → ${res.statusCode}, key ${keyRes.statusCode}`);
            continue;
          }
          if (res.statusCode !== expected) reached.push(`${route} → ${res.statusCode} ${res.body.slice(0, 120)}`);
        }
        assert.ok(checked > 15, `${checked} write routes`);
        assert.deepEqual(reached, [], `a ${role} reached write routes`);
      });

      test(`a ${role} reads what a key with its scopes reads, and nothing more`, async () => {
        const differ: string[] = [];
        for (const route of routes) {
          const [method, path] = route.split(' ');
          if (!READS.has(method) || ENDLESS[`GET ${path}`]) continue;
          // Own sign-ins are a person's, not a key's: a key gets 403 there by design.
          if (path === '/api/v1/auth/sessions') continue;
          const res = await people[role].call(method as 'GET', urlOf(path));
          const keyRes = await call(t.app, keys[role], method as 'GET', urlOf(path));
          if (res.statusCode !== keyRes.statusCode)
            differ.push(`${route}: ${res.statusCode} vs key ${keyRes.statusCode}`);
        }
        assert.deepEqual(differ, []);
        for (const admin of ['/api/v1/users', '/api/v1/audit', '/api/v1/keys', '/api/v1/webhooks'])
          assert.equal((await people[role].call('GET', admin)).statusCode, 403, admin);
        assert.equal((await people[role].call('GET', '/api/v1/sessions')).statusCode, 200);
      });
    }
  });
}
