/**
 * A running bulk job leaves the database to requests between its steps (services/jobs/runner.ts):
 * on SQLite every request shares one connection, and the runner's loop used to take it back
 * after each step before any waiting request — an ingest batch or a read waited for the whole
 * job. Here a job of many small steps is seen running, and an ingest batch and a page of the list
 * then complete while it still runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DIALECTS, type TestContext, call, seed, session, setup } from '../helpers.js';

const N = 800;

for (const dialect of DIALECTS) {
  describe(`requests go through while a bulk job runs (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect, { jobs: { backgroundJobs: { pollMs: 20, batchSize: 2 } } });
      await seed(
        t.app,
        t.adminKey,
        Array.from({ length: N }, (_, i) => ({ type: 'session', body: session({ id: `js-${i}` }) })),
      );
    });
    after(() => t.close());

    const job = async (id: string) => (await call(t.app, t.adminKey, 'GET', `/api/v1/jobs/${id}`)).json();

    test('an ingest batch and a read complete between two steps of the job', async () => {
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/bulk', {
        filters: '',
        action: { addTags: ['shared'] },
      });
      assert.equal(res.statusCode, 202, res.body);
      const { jobId } = res.json();
      // Seen running: this read itself had to get in between two steps.
      let seen = await job(jobId);
      while (seen.status === 'queued' || (seen.status === 'running' && seen.done === 0)) {
        await new Promise((r) => setTimeout(r, 5));
        seen = await job(jobId);
      }
      assert.equal(seen.status, 'running', `the job ran ${seen.done} of ${seen.total} before a read got in`);
      const ingest = await call(t.app, t.adminKey, 'POST', '/api/v1/ingest', {
        batch: [{ type: 'session', body: session({ id: 'js-during' }) }],
      });
      assert.equal(ingest.statusCode, 207, ingest.body);
      const page = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions?limit=5');
      assert.equal(page.statusCode, 200, page.body);
      const now = await job(jobId);
      assert.equal(now.status, 'running', `done ${now.done} of ${now.total} when the ingest and the read returned`);
      assert.ok(now.done < now.total);
      for (;;) {
        const j = await job(jobId);
        if (j.status === 'succeeded') break;
        assert.notEqual(j.status, 'failed', JSON.stringify(j));
        await new Promise((r) => setTimeout(r, 20));
      }
    });
  });
}
