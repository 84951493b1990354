/**
 * The background job runner (src/services/jobs/) with bulk actions: a job stopped part-way — its
 * process gone after some steps — is finished by a new app on the same database, applying each
 * change exactly once (exact counts, one tag each, one session.updated per session).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { bulkHandler } from '../../src/services/jobs/bulk.js';
import { BUSY_WITHIN_MS, pauseAfterStep } from '../../src/services/jobs/runner.js';
import { openStore } from '../../src/store/db.js';
import { findJobRow } from '../../src/store/jobs.js';
import { tagsOf, writeTags } from '../../src/store/review.js';
import { findSession } from '../../src/store/sessions/write.js';
import { readOutbox } from '../../src/store/outbox.js';
import { CITUS, DIALECTS, type TestContext, call, seed, session, setup } from '../helpers.js';

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
      // Each event carries the session as it is now, tags and reviewed mark included: every field
      // of it as GET /sessions/:id has it (which adds the transcript, notes and score details).
      for (const u of updates) {
        const now = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${u.session_id}`)).json();
        const sent = JSON.parse(u.payload);
        assert.ok(
          ['tags', 'reviewedAt', 'stats'].every((k) => k in sent),
          Object.keys(sent).join(),
        );
        const asNow = Object.fromEntries(Object.keys(sent).map((k) => [k, now[k]]));
        assert.deepEqual(sent, asNow, `${u.session_id}: the event's session`);
      }
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

    test('on PostgreSQL a job vacuums the tag and score rows it rewrote before it reports success', {
      skip: (dialect !== 'postgres' || CITUS !== null) && 'PostgreSQL alone (on Citus the rows are on the workers)',
    }, async () => {
      const ids = Array.from({ length: N }, (_, i) => `j-${i}`);
      for (const [i, id] of ids.entries())
        assert.equal(
          (await call(t.app, t.adminKey, 'PUT', `/api/v1/sessions/${id}/scores/quality`, { value: (i % 5) + 1 }))
            .statusCode,
          200,
        );
      const sql = new pg.Client({ connectionString: t.databaseUrl });
      await sql.connect();
      // What the filters read right after (docs/PERFORMANCE.md) depends on whether some other
      // transaction held back what a vacuum may mark visible; that the job vacuumed does not.
      const vacuums = async () =>
        Object.fromEntries(
          (
            await sql.query<{ relname: string; n: number; at: Date | null }>(
              "SELECT relname, vacuum_count::int AS n, last_vacuum AS at FROM pg_stat_user_tables WHERE relname IN ('session_tags', 'session_scores')",
            )
          ).rows.map((r) => [r.relname, r]),
        );
      try {
        const before = await vacuums();
        // Retagging every scored session rewrites its tag rows and, with the session's new tag
        // list, its score row.
        const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/bulk', {
          filters: 'status=failed',
          action: { addTags: ['vacuumed'] },
        });
        const job = await runToEnd(res.json().jobId);
        assert.deepEqual([job.status, job.done], ['succeeded', N]);
        const now = await vacuums();
        for (const table of ['session_tags', 'session_scores']) {
          assert.equal(now[table].n, before[table].n + 1, `${table}: vacuumed once`);
          assert.ok(
            (now[table].at as Date).getTime() <= Date.parse(job.finishedAt),
            `${table}: vacuumed (${(now[table].at as Date).toISOString()}) before the job finished (${job.finishedAt})`,
          );
        }
      } finally {
        await sql.end();
      }
    });

    test('a step reads its sessions under their row locks: tags another request writes meanwhile are kept', {
      skip: dialect !== 'postgres' && 'PostgreSQL (on SQLite a step is the one writer)',
    }, async () => {
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/bulk', {
        filters: 'status=failed',
        action: { addTags: ['by-job'] },
      });
      const { jobId } = res.json();
      // Another request's transaction — a reviewer tagging j-7 — holds the row while the step starts.
      const other = openStore(t.databaseUrl);
      let commit!: () => void;
      const held = new Promise<void>((r) => {
        commit = r;
      });
      let locked!: () => void;
      const writing = new Promise<void>((r) => {
        locked = r;
      });
      const tagging = other.db.transaction().execute(async (trx) => {
        const row = (await findSession(trx, t.orgId, 'j-7')) as NonNullable<Awaited<ReturnType<typeof findSession>>>;
        await writeTags(trx, row, tagsOf(row), [...tagsOf(row), 'by-reviewer']);
        locked();
        await held;
      });
      try {
        await writing;
        const step = bulkHandler(t.store, 500).step((await findJobRow(t.store.db, jobId))!);
        // The step waits for that row (a lock wait on the coordinator, or on Citus on a worker).
        const sql = new pg.Client({ connectionString: t.databaseUrl });
        await sql.connect();
        try {
          for (;;) {
            const waits = CITUS
              ? await sql.query('SELECT count(*)::int AS n FROM citus_lock_waits')
              : await sql.query(
                  "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                );
            if (waits.rows[0].n > 0) break;
            await new Promise((r) => setTimeout(r, 10));
          }
        } finally {
          await sql.end();
        }
        commit();
        await tagging;
        assert.equal(await step, true);
      } finally {
        commit();
        await tagging.catch(() => {});
        await other.close();
      }
      const s = (await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/j-7')).json();
      assert.ok(s.tags.includes('by-reviewer'), `the reviewer's tag is kept: ${JSON.stringify(s.tags)}`);
      assert.ok(s.tags.includes('by-job'), `the job's tag is added: ${JSON.stringify(s.tags)}`);
      for (const tag of ['by-reviewer', 'by-job']) {
        const list = await call(t.app, t.adminKey, 'GET', `/api/v1/sessions?tag=${tag}&limit=500`);
        assert.ok(
          list.json().data.some((x: { id: string }) => x.id === 'j-7'),
          `j-7 is found by tag=${tag}`,
        );
      }
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

test('pauseAfterStep: nothing when no other write committed in the last second, else the factor times the step, at most a second', () => {
  assert.equal(pauseAfterStep(40, BUSY_WITHIN_MS + 1, 4), 0);
  assert.equal(pauseAfterStep(40, Number.POSITIVE_INFINITY, 4), 0);
  assert.equal(pauseAfterStep(40, 10, 4), 160);
  assert.equal(pauseAfterStep(40, BUSY_WITHIN_MS, 4), 160);
  assert.equal(pauseAfterStep(400, 10, 4), 1000);
  assert.equal(pauseAfterStep(40, 10, 0), 0);
});

// A job gives way to ingest while ingest is writing (`yieldFactor`): on SQLite's one writer, and on
// PostgreSQL's CPUs.
for (const dialect of DIALECTS)
  describe(`a job gives way to ingest (${dialect})`, () => {
    let t: TestContext;
    const pauses: number[] = [];
    before(async () => {
      // Every step that follows another write's commit waits the most, a second.
      t = await setup(dialect, {
        jobs: {
          backgroundJobs: { pollMs: 20, batchSize: 1, yieldFactor: 1_000_000, onPause: (ms) => pauses.push(ms) },
        },
      });
      await seed(t.app, t.adminKey, [
        ...Array.from({ length: 4 }, (_, i) => ({
          type: 'session',
          body: session({ id: `y-${i}`, status: 'failed' }),
        })),
        { type: 'session', body: session({ id: 'y-live' }) },
      ]);
    });
    after(() => t.close());

    async function bulkTag(filters: string, tag: string) {
      const began = performance.now();
      const res = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/bulk', {
        filters,
        action: { addTags: [tag] },
      });
      assert.equal(res.statusCode, 202, res.body);
      for (;;) {
        const job = (await call(t.app, t.adminKey, 'GET', `/api/v1/jobs/${res.json().jobId}`)).json();
        if (job.status === 'succeeded') return { ms: performance.now() - began, job };
        assert.notEqual(job.status, 'failed');
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    test('with messages committing beside it, each step waits; alone, it runs its steps back to back', async () => {
      // Four steps of one session while a message to another commits every 50 ms: a wait of a
      // second after each.
      let writing = true;
      const message = (n: number) =>
        call(t.app, t.adminKey, 'POST', '/api/v1/sessions/y-live/messages', {
          messages: [{ sender: 'user', content: `still here ${n}` }],
        });
      // One committed before the job starts, so its first step already follows another write.
      assert.ok((await message(-1)).statusCode < 300);
      const ingest = (async () => {
        for (let n = 0; writing; n++) {
          const res = await message(n);
          assert.ok(res.statusCode < 300, res.body);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      pauses.length = 0;
      const busy = await bulkTag('status=failed', 'busy').finally(() => {
        writing = false;
      });
      await ingest;
      assert.equal(busy.job.done, 4);
      // A pause after each of the four steps (the fifth finds nothing left); a message stalled
      // past a second on a loaded machine may let one step go without.
      assert.ok(pauses.length >= 3 && pauses.every((ms) => ms === 1000), `pauses: ${pauses}`);
      assert.ok(busy.ms >= 3000, `the job gave way: ${Math.round(busy.ms)} ms for 4 steps`);
      // Nothing else writing (the last message committed over a second before): no waits. How long
      // the steps take is the machine's business (a loaded Citus took 2.5 s for four), so the
      // test counts the pauses rather than timing the job.
      await new Promise((r) => setTimeout(r, BUSY_WITHIN_MS + 100));
      pauses.length = 0;
      const alone = await bulkTag('tag=busy', 'alone');
      assert.equal(alone.job.done, 4);
      assert.deepEqual(pauses, [], 'alone, the job did not wait');
    });
  });
