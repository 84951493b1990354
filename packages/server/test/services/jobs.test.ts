/**
 * The background job runner (src/services/jobs/) with bulk actions: a job stopped part-way — its
 * process gone after some steps — is finished by a new app on the same database, applying each
 * change exactly once (exact counts, one tag each, one session.updated per session).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { bulkHandler } from '../../src/services/jobs/bulk.js';
import { openStore } from '../../src/store/db.js';
import { findJobRow } from '../../src/store/jobs.js';
import { readOutbox } from '../../src/store/outbox.js';
import { DIALECTS, type TestContext, call, seed, session, setup } from '../helpers.js';

const N = 120;

for (const dialect of DIALECTS) {
  describe(`background jobs survive a restart (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      // No runner in this app: the test plays the process that stops part-way.
      t = await setup(dialect);
      await seed(
        t.app,
        t.adminKey,
        Array.from({ length: N }, (_, i) => ({ type: 'session', body: session({ id: `j-${i}`, status: 'failed' }) })),
      );
    });
    after(() => t.close());

    const updatesOf = async (from: number) =>
      (await readOutbox(t.store.db, t.orgId, from, 1_000_000)).filter((e) => e.type === 'session.updated');

    async function runToEnd(jobId: string) {
      // A new process: its own store on the same database, with the runner on.
      const store = openStore(t.databaseUrl);
      const app = await buildApp({
        store,
        webDir: '/nonexistent',
        jobs: { backgroundJobs: { pollMs: 20, batchSize: 9 } },
      });
      await app.ready();
      try {
        for (;;) {
          const job = (await call(app, t.adminKey, 'GET', `/api/v1/jobs/${jobId}`)).json();
          if (job.status === 'succeeded' || job.status === 'failed') return job;
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await app.close();
        await store.close();
      }
    }

    test('stopped after some steps, a new app finishes it with exact counts', async () => {
      const last = (await readOutbox(t.store.db, t.orgId, 0, 1_000_000)).at(-1)?.org_seq ?? 0;
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/bulk', {
        filters: 'status=failed',
        action: { addTags: ['triaged'], review: true },
      });
      assert.equal(res.statusCode, 202, res.body);
      const { jobId } = res.json();
      // The first process gets three steps of 10 done, then is gone.
      const step = bulkHandler(t.store, 10);
      for (let i = 0; i < 3; i++) assert.equal(await step.step((await findJobRow(t.store.db, jobId))!), false);
      const part = (await call(t.app, t.adminKey, 'GET', `/api/v1/jobs/${jobId}`)).json();
      assert.deepEqual([part.status, part.total, part.done], ['running', N, 30]);
      assert.equal((await updatesOf(Number(last))).length, 30);

      const job = await runToEnd(jobId);
      assert.deepEqual([job.status, job.total, job.done, job.failed], ['succeeded', N, N, 0]);
      const list = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions?tag=triaged&reviewed=true&limit=500');
      assert.equal(list.json().pagination.total, N);
      for (const s of list.json().data) assert.deepEqual(s.tags, ['triaged']);
      // Each session changed once: one session.updated each, none twice.
      const updates = await updatesOf(Number(last));
      assert.equal(updates.length, N);
      assert.equal(new Set(updates.map((u) => u.session_id)).size, N);
      // The items are gone with the job done.
      const items = await t.store.db.selectFrom('job_items').selectAll().where('job_id', '=', jobId).execute();
      assert.equal(items.length, 0);
    });

    test('an app closed while its runner is mid-job leaves it resumable, and nothing is applied twice', async () => {
      const last = (await readOutbox(t.store.db, t.orgId, 0, 1_000_000)).at(-1)?.org_seq ?? 0;
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/bulk', {
        filters: 'tag=triaged',
        action: { removeTags: ['triaged'], addTags: ['second-pass'] },
      });
      const { jobId } = res.json();
      const store = openStore(t.databaseUrl);
      const app = await buildApp({
        store,
        webDir: '/nonexistent',
        jobs: { backgroundJobs: { pollMs: 20, batchSize: 1 } },
      });
      await app.ready();
      for (;;) {
        const job = (await call(app, t.adminKey, 'GET', `/api/v1/jobs/${jobId}`)).json();
        if (job.done > 0) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      await app.close();
      await store.close();
      const job = await runToEnd(jobId);
      assert.deepEqual([job.status, job.total, job.done, job.failed], ['succeeded', N, N, 0]);
      const list = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions?tag=second-pass&limit=500');
      assert.equal(list.json().pagination.total, N);
      for (const s of list.json().data) assert.deepEqual(s.tags, ['second-pass']);
      assert.equal((await updatesOf(Number(last))).length, N);
    });

    test('a step ends at its time budget, at the session it was on, and the job still applies each change once', async () => {
      const last = (await readOutbox(t.store.db, t.orgId, 0, 1_000_000)).at(-1)?.org_seq ?? 0;
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/bulk', {
        filters: 'tag=second-pass',
        action: { addTags: ['bounded'] },
      });
      const { jobId } = res.json();
      // A budget of 0 ms is spent by the first session of every step, however many it read.
      const handler = bulkHandler(t.store, 50, 0);
      let steps = 0;
      for (;;) {
        const finished = await handler.step((await findJobRow(t.store.db, jobId))!);
        steps++;
        const job = (await call(t.app, t.adminKey, 'GET', `/api/v1/jobs/${jobId}`)).json();
        assert.equal(job.done, steps, `after step ${steps}`);
        assert.equal((await updatesOf(Number(last))).length, steps);
        if (finished) break;
        assert.ok(steps < N, 'the job did not finish');
      }
      assert.equal(steps, N);
      const job = (await call(t.app, t.adminKey, 'GET', `/api/v1/jobs/${jobId}`)).json();
      assert.deepEqual([job.status, job.total, job.done, job.failed], ['succeeded', N, N, 0]);
      const list = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions?tag=bounded&limit=500');
      assert.equal(list.json().pagination.total, N);
      for (const s of list.json().data) assert.deepEqual(s.tags, ['second-pass', 'bounded']);
      assert.equal(new Set((await updatesOf(Number(last))).map((u) => u.session_id)).size, N);
    });

    test('without a time budget a step takes its whole batch', async () => {
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/bulk', {
        filters: 'tag=bounded',
        action: { removeTags: ['bounded'] },
      });
      const { jobId } = res.json();
      const handler = bulkHandler(t.store, 50);
      assert.equal(await handler.step((await findJobRow(t.store.db, jobId))!), false);
      assert.equal((await call(t.app, t.adminKey, 'GET', `/api/v1/jobs/${jobId}`)).json().done, 50);
    });
  });
}
