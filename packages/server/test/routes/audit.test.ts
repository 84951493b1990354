/**
 * The audit log (plugins/audit.ts, services/audit.ts, routes/audit.ts): admin changes to keys,
 * webhooks, integrations and people are recorded with who made them and never a secret; the
 * list filters by actor, action and time and pages by cursor; every admin write route of the app
 * is recorded (the list comes from the route table, so a new admin route must be added); old
 * entries leave with the retention setting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuditList } from '@switchboard/contracts';
import { AUDITED, NOT_AUDITED } from '../../src/plugins/audit.js';
import { RetentionJob } from '../../src/services/retention.js';
import { DIALECTS, type TestContext, assertProblem, assertShape, call, setup } from '../helpers.js';
import { type Person, firstAdmin, invited } from '../people.js';
import { routeTable } from '../route-table.js';

/** Admin writes recorded by their service rather than by the route hook. */
const BY_SERVICE: Record<string, string> = {
  'PATCH /api/v1/users/:id': 'user.updated (services/accounts.ts)',
  'POST /api/v1/users/invitations': 'user.invited (services/accounts.ts)',
};
const quiet = { info() {}, warn() {}, error() {} };

for (const dialect of DIALECTS) {
  describe(`audit log (${dialect})`, () => {
    let t: TestContext;
    let ada: Person;
    before(async () => {
      t = await setup(dialect);
      ada = await firstAdmin(t);
    });
    after(() => t.close());

    const audit = async (query = '') => {
      const res = await ada.call('GET', `/api/v1/audit${query}`);
      assert.equal(res.statusCode, 200, res.body);
      assertShape(AuditList, res.json());
      return res.json() as AuditList;
    };

    test('every admin write route of the app is recorded', async () => {
      const onlyAdminLacking = await t.key(['read', 'ingest', 'review']);
      const routes = routeTable(t.app.printRoutes({ commonPrefix: false }));
      const adminWrites: string[] = [];
      for (const route of routes) {
        const [method, path] = route.split(' ');
        if (['GET', 'HEAD', 'OPTIONS'].includes(method) || !path.startsWith('/api/v1/')) continue;
        const res = await call(
          t.app,
          onlyAdminLacking,
          method as 'POST',
          path.replace(/:(\w+)/g, 'x'),
          method === 'DELETE' ? undefined : {},
        );
        // Refused for lacking the admin scope (not for being a key on a person's route, say).
        if (res.statusCode === 403 && res.json().detail.includes('"admin" scope')) adminWrites.push(route);
      }
      assert.ok(adminWrites.length >= 10, adminWrites.join(', '));
      assert.deepEqual(
        adminWrites.filter((r) => !AUDITED[r] && !BY_SERVICE[r] && !NOT_AUDITED[r]),
        [],
        'admin write routes the audit log does not record: add them to AUDITED (plugins/audit.ts)',
      );
    });

    test('keys, webhooks, integrations and people: who, what, on what, and no secret', async () => {
      const key = await call(t.app, t.adminKey, 'POST', '/api/v1/keys', { name: 'ci reader', scopes: ['read'] });
      const hook = await ada.call('POST', '/api/v1/webhooks', { url: 'https://93.184.215.14/audit', events: ['*'] });
      assert.equal(hook.statusCode, 201, hook.body);
      await ada.call('PATCH', `/api/v1/webhooks/${hook.json().id}`, { enabled: false });
      const rotated = await ada.call('POST', `/api/v1/webhooks/${hook.json().id}/rotate-secret`);
      await ada.call('DELETE', `/api/v1/webhooks/${hook.json().id}`);
      const integ = await ada.call('POST', '/api/v1/integrations', {
        provider: 'vapi',
        name: 'calls',
        secret: 'vapi-secret-audit',
      });
      assert.equal(integ.statusCode, 201, integ.body);
      await call(t.app, t.adminKey, 'DELETE', `/api/v1/keys/${key.json().id}`);
      const viewer = await invited(t, ada, 'viewer', 'vera@example.com');
      await ada.call('PATCH', `/api/v1/users/${viewer.id}`, { role: 'reviewer' });
      await ada.call('PATCH', `/api/v1/users/${viewer.id}`, { disabled: true });
      // A refused change is not an entry.
      assertProblem(await ada.call('PATCH', '/api/v1/webhooks/nope', { enabled: true }), 404);

      const list = await audit('?limit=200');
      const actions = list.data.map((e) => e.action);
      for (const a of [
        'user.created',
        'key.created',
        'webhook.created',
        'webhook.updated',
        'webhook.secret_rotated',
        'webhook.deleted',
        'integration.created',
        'key.revoked',
        'user.invited',
        'user.updated',
      ])
        assert.ok(actions.includes(a), `${a} missing from ${actions.join(', ')}`);
      assert.equal(actions.filter((a) => a === 'webhook.updated').length, 1, 'the refused change is not recorded');
      // Newest first.
      const ats = list.data.map((e) => e.at);
      assert.deepEqual([...ats].sort().reverse(), ats);
      const made = list.data.find((e) => e.action === 'key.created');
      assert.deepEqual(made?.actor, { type: 'key', id: made?.actor.id, name: 'Admin (SWITCHBOARD_ADMIN_KEY)' });
      assert.equal(made?.target, key.json().id);
      assert.deepEqual(made?.details, { name: 'ci reader', scopes: ['read'] });
      const disabled = list.data.find((e) => e.action === 'user.updated' && e.details.disabled === true);
      assert.deepEqual(disabled?.actor, { type: 'user', id: ada.id, name: 'Ada Admin' });
      assert.equal(disabled?.target, viewer.id);
      const role = list.data.find((e) => e.action === 'user.updated' && e.details.role);
      assert.deepEqual(role?.details.role, { from: 'viewer', to: 'reviewer' });
      const text = JSON.stringify(list);
      for (const secret of [key.json().key, hook.json().secret, rotated.json().secret, 'vapi-secret-audit'])
        assert.ok(!text.includes(secret), 'a secret reached the audit log');
    });

    test('filters: actor, action or its group, time; cursor pages without gaps or repeats', async () => {
      const byAda = await audit(`?actor=${ada.id}&limit=200`);
      assert.ok(byAda.data.length > 0);
      assert.ok(byAda.data.every((e) => e.actor.id === ada.id));
      const byName = await audit(`?actor=${encodeURIComponent('Admin (SWITCHBOARD_ADMIN_KEY)')}`);
      assert.ok(byName.data.length > 0 && byName.data.every((e) => e.actor.type === 'key'));
      const webhooks = await audit('?action=webhook&limit=200');
      assert.ok(webhooks.data.length >= 4);
      assert.ok(webhooks.data.every((e) => e.action.startsWith('webhook.')));
      assert.deepEqual(
        (await audit('?action=webhook.deleted')).data.map((e) => e.action),
        ['webhook.deleted'],
      );
      const future = new Date(Date.now() + 3600_000).toISOString();
      assert.equal((await audit(`?from=${future}`)).data.length, 0);
      assert.equal((await audit(`?to=2000-01-01T00:00:00Z`)).data.length, 0);
      const all = (await audit('?limit=200')).data.map((e) => e.id);
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const page: AuditList = await audit(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        paged.push(...page.data.map((e) => e.id));
        cursor = page.pagination.nextCursor;
        assert.equal(page.pagination.hasMore, cursor !== null);
      } while (cursor);
      assert.deepEqual(paged, all);
      assertProblem(await ada.call('GET', '/api/v1/audit?cursor=bogus'), 400);
      assertProblem(await ada.call('GET', '/api/v1/audit?from=yesterday'), 400);
    });

    test('admins only', async () => {
      const reviewer = await invited(t, ada, 'reviewer');
      assertProblem(await reviewer.call('GET', '/api/v1/audit'), 403);
      assertProblem(await call(t.app, await t.key(['read']), 'GET', '/api/v1/audit'), 403);
    });

    test('entries older than the retention setting are removed with the sessions', async () => {
      const old = Date.UTC(2020, 0, 15);
      await t.app.services.audit.record(t.orgId, null, 'settings.changed', null, { retentionMonths: 3 }, old);
      assert.equal((await audit('?action=settings')).data.length, 1);
      await new RetentionJob(t.store, 3, quiet).run();
      assert.equal((await audit('?action=settings')).data.length, 0);
      assert.ok((await audit()).data.length > 0, 'recent entries stay');
    });
  });
}
