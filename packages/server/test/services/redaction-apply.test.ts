/**
 * Redaction applied again to stored sessions (services/jobs/redaction.ts, `POST
 * /settings/redaction/apply`): sessions stored while redaction was off hold personal data in
 * messages, metadata, events and endedReason; once it is on, the job rewrites exactly the
 * sessions its filters matched — after it, no table holds their raw values, transcript and
 * metadata search find nothing, `stats.redactions` counts what was replaced, and a second run
 * changes and counts nothing. A job whose process stops part-way is finished by the next one,
 * each session once. On both stores.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { redactionHandler } from '../../src/services/jobs/redaction.js';
import { fanOut } from '../../src/services/webhooks/dispatcher.js';
import { openStore } from '../../src/store/db.js';
import { findJobRow } from '../../src/store/jobs.js';
import { readOutbox } from '../../src/store/outbox.js';
import { DIALECTS, type TestContext, call, seed, session, setup } from '../helpers.js';

/** Personal data of the voice sessions (the job's) and of a web session (outside its filters). */
const VOICE = { email: 'zed.quillfeather@example.com', phone: '+44 20 7946 0321', card: '4111 1111 1111 1111' };
const WEB = { email: 'ada.plumtree@example.org', phone: '+1 415 555 0199', card: '5555 5555 5555 4444' };

/** One session's worth of data, with `pii`'s values in every place ingest redacts. */
function sessionItems(id: string, channel: string, pii: typeof VOICE) {
  return [
    {
      type: 'session',
      body: session({
        id,
        channel,
        type: channel === 'phone' ? 'voice' : 'chat',
        metadata: { contact: pii.email, n: 3 },
      }),
    },
    {
      type: 'message',
      body: {
        sessionId: id,
        sender: 'user',
        content: `Mail ${pii.email} or call ${pii.phone}, card ${pii.card}.`,
        metadata: { callback: pii.phone },
      },
    },
    { type: 'message', body: { sessionId: id, sender: 'agent', content: 'Thanks, noted.' } },
    {
      type: 'event',
      body: { sessionId: id, type: 'tool_call', data: { args: { to: pii.email, cards: [pii.card, 2] }, ok: true } },
    },
    {
      type: 'session.update',
      body: { id, status: 'failed', endedReason: `could not reach ${pii.phone}` },
    },
  ];
}
/** Replacements in one session of sessionItems: metadata 1, message 3 + 1, event 2, endedReason 1. */
const PER_SESSION = 8;

/** Every row of every table, as text (test/services/redaction.test.ts does the same). */
async function everyRow(t: TestContext): Promise<string> {
  const db = t.store.db;
  const tables =
    t.dialect === 'sqlite'
      ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db)).rows
      : (
          await sql<{
            name: string;
          }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(
            db,
          )
        ).rows;
  const out: string[] = [];
  for (const { name } of tables) {
    const rows = (await sql`SELECT * FROM ${sql.table(name)}`.execute(db)).rows;
    out.push(`${name}: ${JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  }
  return out.join('\n');
}

/** What the job may rewrite, and what follows from it: each table's rows as sorted text. */
async function sessionData(t: TestContext) {
  const tables = ['sessions', 'messages', 'session_events', 'outbox', 'webhook_deliveries', 'session_metadata'];
  tables.push(...['session_metadata_counts', 'session_metadata_figures', 'metadata_first_responses']);
  tables.push(t.dialect === 'sqlite' ? 'sessions_search' : 'transcript_docs');
  const out: Record<string, string[]> = {};
  for (const name of tables) {
    const rows = (await sql`SELECT * FROM ${sql.table(name)}`.execute(t.store.db)).rows;
    out[name] = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).sort();
  }
  return out;
}

const found = (text: string, pii: typeof VOICE) => Object.values(pii).filter((v) => text.includes(v));

for (const dialect of DIALECTS) {
  describe(`redaction applied to stored sessions (${dialect})`, () => {
    let t: TestContext;
    const voice = ['ra-voice-1', 'ra-voice-2', 'ra-voice-3', 'ra-voice-4', 'ra-voice-5'];

    before(async () => {
      // No runner in this app: the tests step the job by hand, or start a process that runs it.
      t = await setup(dialect, { webhooks: { allowPrivate: true } });
      const webhook = await call(t.app, t.adminKey, 'POST', '/api/v1/webhooks', {
        url: 'http://127.0.0.1:9/never-sent',
        events: ['*'],
      });
      assert.equal(webhook.statusCode, 201, webhook.body);
      await seed(t.app, t.adminKey, [
        ...voice.flatMap((id) => sessionItems(id, 'phone', VOICE)),
        ...sessionItems('ra-web', 'web', WEB),
      ]);
      // The webhook's deliveries are queued (never sent): copies of the events, raw values and all.
      await fanOut(t.store);
    });
    after(() => t.close());

    const apply = (filters: string) => call(t.app, t.adminKey, 'POST', '/api/v1/settings/redaction/apply', { filters });

    /** Steps the job to its end as the runner would, in batches of `batch`. */
    async function runJob(jobId: string, batch: number) {
      const handler = redactionHandler(t.store, (db, org) => t.app.services.redaction.storedRedactor(org, db), batch);
      for (let steps = 0; ; steps++) {
        const job = await findJobRow(t.store.db, jobId);
        assert.ok(job && steps < 1000);
        if (job.status !== 'queued' && job.status !== 'running') break;
        await handler.step(job);
      }
      const job = (await call(t.app, t.adminKey, 'GET', `/api/v1/jobs/${jobId}`)).json();
      return job;
    }

    const detail = async (id: string) => (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${id}`)).json();
    const total = async (query: string) =>
      (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions?${query}`)).json().pagination.total;
    const lastEvent = async () => (await readOutbox(t.store.db, t.orgId, 0, 1_000_000)).at(-1)?.org_seq ?? 0;

    test('refused while redaction is off, and for filters that do not parse', async () => {
      const off = await apply('');
      assert.equal(off.statusCode, 409, off.body);
      assert.match(off.json().type, /\/redaction-off$/);
      const put = await call(t.app, t.adminKey, 'PUT', '/api/v1/settings/redaction', {
        detectors: ['email', 'phone', 'card'],
      });
      assert.equal(put.statusCode, 200, put.body);
      const bad = await apply('status=nope');
      assert.equal(bad.statusCode, 400, bad.body);
      assert.match(String(bad.headers['content-type']), /^application\/problem\+json/);
      assert.ok(
        bad.json().errors.some((e: { path: string }) => e.path.startsWith('filters/status')),
        bad.body,
      );
    });

    test('the matching sessions lose every raw value, everywhere; the others keep theirs', async () => {
      // Stored before redaction was on: the values are there, and found by search.
      assert.deepEqual(found(await everyRow(t), VOICE), Object.values(VOICE));
      assert.equal(await total(`transcript=${encodeURIComponent(VOICE.card)}`), voice.length);
      const since = await lastEvent();

      const res = await apply('channel=phone');
      assert.equal(res.statusCode, 202, res.body);
      assert.match(String(res.headers.location), /^\/api\/v1\/jobs\//);
      const job = await runJob(res.json().jobId, 2);
      // The audit log has who applied it, to which sessions, and the job.
      const audit = (await call(t.app, t.adminKey, 'GET', '/api/v1/audit')).json();
      const entry = audit.data.find((e: { action: string }) => e.action === 'settings.redaction_applied');
      assert.deepEqual([entry?.target, entry?.details], [res.json().jobId, { filters: 'channel=phone' }]);
      assert.deepEqual(
        [job.kind, job.status, job.total, job.done, job.failed],
        ['redaction.apply', 'succeeded', voice.length, voice.length, 0],
      );

      const rows = await everyRow(t);
      assert.deepEqual(found(rows, VOICE), [], 'raw personal data of the voice sessions in a table');
      assert.deepEqual(found(rows, WEB), Object.values(WEB), 'the web session was outside the filters');
      assert.equal(await total(`transcript=${encodeURIComponent(VOICE.card)}`), 0);
      assert.equal(await total(`transcript=${encodeURIComponent(VOICE.email)}`), 0);
      assert.equal(await total(`search=${encodeURIComponent(VOICE.email)}`), 0);
      assert.equal(await total(`metadata.contact=${encodeURIComponent(VOICE.email)}`), 0);
      assert.equal(await total('transcript=redacted%20email'), voice.length);
      assert.equal(await total(`transcript=${encodeURIComponent(WEB.card)}`), 1);

      const s = await detail('ra-voice-1');
      assert.deepEqual(s.metadata, { contact: '[redacted:email]', n: 3 });
      assert.equal(s.endedReason, 'could not reach [redacted:phone]');
      assert.equal(s.messages[0].content, 'Mail [redacted:email] or call [redacted:phone], card [redacted:card].');
      assert.deepEqual(s.messages[0].metadata, { callback: '[redacted:phone]' });
      assert.deepEqual(s.events[0].data, { args: { to: '[redacted:email]', cards: ['[redacted:card]', 2] }, ok: true });
      assert.equal(s.stats.redactions, PER_SESSION);
      assert.equal((await detail('ra-web')).stats.redactions, 0);

      // One session.updated per changed session, with the redacted session.
      const updates = (await readOutbox(t.store.db, t.orgId, since, 1_000_000)).filter(
        (e) => e.type === 'session.updated',
      );
      assert.deepEqual(updates.map((u) => u.session_id).sort(), voice);
      assert.equal(JSON.parse(updates[0].payload).stats.redactions, PER_SESSION);

      // The transcript's byte count follows its text.
      const bytes = await t.store.db
        .selectFrom('sessions')
        .select(['id', 'transcript_bytes'])
        .where('id', 'in', ['ra-voice-1', 'ra-web'])
        .orderBy('id')
        .execute();
      assert.notEqual(Number(bytes[0].transcript_bytes), Number(bytes[1].transcript_bytes));
    });

    test('a second run changes nothing and counts nothing twice, even with what ingest redacted since', async () => {
      const more = await call(t.app, t.adminKey, 'POST', '/api/v1/sessions/ra-voice-1/messages', {
        messages: [{ sender: 'user', content: `Also ${VOICE.email}` }],
      });
      assert.equal(more.statusCode, 201, more.body);
      assert.equal((await detail('ra-voice-1')).stats.redactions, PER_SESSION + 1);
      const before = await sessionData(t);
      const since = await lastEvent();
      const res = await apply('channel=phone');
      assert.equal(res.statusCode, 202, res.body);
      const job = await runJob(res.json().jobId, 3);
      assert.deepEqual([job.status, job.total, job.done], ['succeeded', voice.length, voice.length]);
      assert.equal((await detail('ra-voice-1')).stats.redactions, PER_SESSION + 1);
      assert.equal((await detail('ra-voice-2')).stats.redactions, PER_SESSION);
      assert.equal(await lastEvent(), since, 'no session.updated for sessions that did not change');
      // The sessions' data as it was, row for row (in any order).
      assert.deepEqual(await sessionData(t), before);
    });

    test('all sessions, with a custom pattern that would match the markers', async () => {
      const put = await call(t.app, t.adminKey, 'PUT', '/api/v1/settings/redaction', {
        detectors: ['email', 'phone', 'card'],
        custom: [{ name: 'word', pattern: '(?i)redacted|noted' }],
      });
      assert.equal(put.statusCode, 200, put.body);
      const res = await apply('');
      const job = await runJob(res.json().jobId, 4);
      assert.deepEqual([job.status, job.total], ['succeeded', voice.length + 1]);
      assert.deepEqual(found(await everyRow(t), WEB), []);
      const s = await detail('ra-voice-2');
      // The markers stay as they were; "noted" is new, counted once.
      assert.equal(s.messages[0].content, 'Mail [redacted:email] or call [redacted:phone], card [redacted:card].');
      assert.equal(s.messages[1].content, 'Thanks, [redacted:word].');
      assert.equal(s.stats.redactions, PER_SESSION + 1);
      assert.equal((await detail('ra-web')).stats.redactions, PER_SESSION + 1);
    });

    test('stopped part-way, the job is finished by the next process, each session once', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => `ra-resume-${i}`);
      await call(t.app, t.adminKey, 'PUT', '/api/v1/settings/redaction', { detectors: [] });
      await seed(
        t.app,
        t.adminKey,
        ids.flatMap((id) => sessionItems(id, 'sip', VOICE)),
      );
      await call(t.app, t.adminKey, 'PUT', '/api/v1/settings/redaction', { detectors: ['email', 'phone', 'card'] });
      const since = await lastEvent();
      const res = await apply('channel=sip');
      const { jobId } = res.json();
      // This process gets two steps of 4 done, then is gone.
      const step = redactionHandler(t.store, (db, org) => t.app.services.redaction.storedRedactor(org, db), 4);
      for (let i = 0; i < 2; i++) await step.step((await findJobRow(t.store.db, jobId))!);
      const part = (await call(t.app, t.adminKey, 'GET', `/api/v1/jobs/${jobId}`)).json();
      assert.deepEqual([part.status, part.total, part.done], ['running', ids.length, 8]);

      // A new process on the same database, with the runner on.
      const store = openStore(t.databaseUrl);
      const app = await buildApp({
        store,
        webDir: '/nonexistent',
        jobs: { backgroundJobs: { pollMs: 20, batchSize: 7 } },
      });
      await app.ready();
      let job: { status: string; total: number; done: number; failed: number };
      try {
        for (;;) {
          job = (await call(app, t.adminKey, 'GET', `/api/v1/jobs/${jobId}`)).json();
          if (job.status === 'succeeded' || job.status === 'failed') break;
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await app.close();
        await store.close();
      }
      assert.deepEqual([job.status, job.total, job.done, job.failed], ['succeeded', ids.length, ids.length, 0]);
      for (const id of ids) assert.equal((await detail(id)).stats.redactions, PER_SESSION, id);
      const updates = (await readOutbox(t.store.db, t.orgId, since, 1_000_000)).filter(
        (e) => e.type === 'session.updated',
      );
      assert.equal(updates.length, ids.length);
      assert.equal(new Set(updates.map((u) => u.session_id)).size, ids.length);
      assert.deepEqual(found(await everyRow(t), VOICE), []);
      const items = await t.store.db.selectFrom('job_items').selectAll().where('job_id', '=', jobId).execute();
      assert.equal(items.length, 0);
    });
  });
}
