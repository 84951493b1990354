/**
 * First pages (with their total) filtered by tag and score, in process, on a data set shaped for
 * them: `sessions` sessions over 90 days through `POST /ingest` with tags at create — `common` on
 * 10 %, `rare` on 0.1 % — a `quality` score of 1–5 on 10 % (written into session_scores directly,
 * as the filter reads it, on sessions none of which is `common`) and `common2` on another 10 % by a
 * bulk job (half of them `common` too). Each case is `GET /sessions?<filter>&limit=50` (default
 * sort `-startedAt`) through `app.inject`, p50 and p95 over `rounds` calls after a warm-up. A bulk
 * tag of those 100,000 sessions is timed alone and with ingest beside it (REVIEW_FILTERS_INGEST=0:
 * not with ingest).
 *
 *   node --import tsx bench/review-filters.ts [sessions] [rounds] [pg]
 *   node --import tsx bench/review-filters.ts 100000 40
 */
import { existsSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { buildApp } from '../packages/server/src/app.js';
import { bootstrap } from '../packages/server/src/bootstrap.js';
import { generateKey } from '../packages/server/src/lib/keys.js';
import { openStore } from '../packages/server/src/store/db.js';
import { migrate } from '../packages/server/src/store/migrate.js';
import { tagSetOf, tagsOf } from '../packages/server/src/store/review.js';
import { DATA_DIR, pgFreshDb, startPgCluster } from './dataset.js';
import { percentiles } from './http.js';
import { ingestLoad } from './load.js';

const sessions = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 40);
const cluster = process.argv[4] === 'pg' ? await startPgCluster() : null;
/**
 * REVIEW_FILTERS_DB: a SQLite file (or, with `pg`, a database name) to keep, seeded when it does
 * not exist yet: to read its plans after, or to run the cases again with other code (before and
 * after a migration, on the same data).
 */
const kept = process.env.REVIEW_FILTERS_DB;
const file = kept ?? `${DATA_DIR}/review-filters-${process.pid}.db`;
let seeded = !cluster && kept !== undefined && existsSync(kept);
let url = `sqlite:${file}`;
if (cluster && kept) {
  url = cluster.url(kept);
  const admin = openStore(cluster.url('postgres'));
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_database WHERE datname = ${kept}`.execute(
    admin.db,
  );
  await admin.close();
  if (rows[0].n === 0) await pgFreshDb(cluster, kept);
  else seeded = true;
} else if (cluster) url = await pgFreshDb(cluster, 'review_filters');
const log = (m: string) => process.stderr.write(`${m}\n`);

const store = openStore(url);
await migrate(store);
const adminKey = generateKey();
// A kept database's organization, with a new admin key (bootstrap adds one when the org exists).
const { orgId } = await bootstrap(store, { adminKey, dataDir: DATA_DIR });
const app = await buildApp({
  store,
  webDir: '/nonexistent',
  rateLimits: { read: 0, ingest: 0, export: 0 },
  // The bulk job below; as the server runs them.
  jobs: { backgroundJobs: {} },
});
await app.ready();
const inject = (method: 'GET' | 'POST', path: string, body?: unknown) =>
  app.inject({
    method,
    url: path,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    payload: body === undefined ? undefined : JSON.stringify(body),
  });

const CHANNELS = ['web', 'phone', 'telegram', 'whatsapp', 'mobile_sdk', 'sip'];
const DAY = 86_400_000;
const end = Date.now() - DAY;
let t = performance.now();
for (let i = 0; i < (seeded ? 0 : sessions); i += 1000) {
  const batch = [];
  for (let j = i; j < Math.min(sessions, i + 1000); j++) {
    const tags = [...(j % 10 === 3 ? ['common'] : []), ...(j % 1000 === 7 ? ['rare'] : [])];
    batch.push({
      type: 'session',
      body: {
        id: `rf-${j}`,
        agent: { id: `agent-${j % 20}` },
        channel: CHANNELS[j % CHANNELS.length],
        type: j % 3 ? 'chat' : 'voice',
        status: j % 7 === 0 ? 'failed' : 'completed',
        // Spread over 90 days, not in id order (a multiplicative hash of j).
        startedAt: new Date(end - ((j * 2654435761) % (90 * DAY))).toISOString(),
        ...(tags.length ? { tags } : {}),
      },
    });
  }
  const res = await inject('POST', '/api/v1/ingest', { batch });
  if (res.statusCode !== 207 || res.body.includes('"error"')) throw new Error(res.body.slice(0, 500));
}
log(`seeded ${sessions} sessions in ${Math.round(performance.now() - t)} ms`);
t = performance.now();
const scored = await store.db
  .selectFrom('sessions')
  .select(['pk', 'started_at', 'agent_id', 'channel', 'status', 'type', 'tags'])
  .where('org_id', '=', orgId)
  .execute();
const rows = (seeded ? [] : scored)
  .filter((r) => Number(r.pk) % 10 === 5)
  .map((r) => {
    const value = (Math.floor(Number(r.pk) / 10) % 5) + 1;
    return {
      org_id: orgId,
      session_pk: Number(r.pk),
      started_at: Number(r.started_at),
      name: 'quality',
      value: JSON.stringify(value),
      value_text: String(value),
      value_num: value,
      comment: null,
      author: JSON.stringify({ type: 'key', id: 'bench', name: 'bench' }),
      updated_at: Date.now(),
      // The session's, as writeScore copies them (0035, 0036).
      agent_id: r.agent_id,
      channel: r.channel,
      status: r.status,
      type: r.type,
      tag_set: tagSetOf(tagsOf(r)),
    };
  });
for (let i = 0; i < rows.length; i += 1000)
  await store.db
    .insertInto('session_scores')
    .values(rows.slice(i, i + 1000))
    .execute();
log(`scored ${rows.length} sessions in ${Math.round(performance.now() - t)} ms`);
/** Runs a bulk job to its end; its sessions and milliseconds from POST to done. */
async function bulk(filters: string, action: unknown) {
  const began = performance.now();
  const job = await inject('POST', '/api/v1/sessions/bulk', { filters, action });
  if (job.statusCode !== 202) throw new Error(job.body.slice(0, 300));
  const { jobId } = job.json();
  for (;;) {
    const state = (await inject('GET', `/api/v1/jobs/${jobId}`)).json();
    if (state.status === 'failed') throw new Error(JSON.stringify(state));
    if (state.status === 'succeeded') return { sessions: state.total as number, ms: performance.now() - began };
    await new Promise((r) => setTimeout(r, 200));
  }
}
// A second common tag, `common2`, on agents 3 and 4 (10 %, half of them also `common`), by a bulk
// job as an operator adds one: on a kept database that has no such tag yet too.
if (!(await store.db.selectFrom('session_tag_counts').select('tag').where('tag', '=', 'common2').executeTakeFirst())) {
  const r = await bulk('agentId=agent-3,agent-4', { addTags: ['common2'] });
  log(`bulk tag of ${r.sessions} sessions with common2 in ${Math.round(r.ms)} ms`);
}
// Timed on every run: a tag of its own added to the same sessions (each with one or two tags
// already) and removed again, which leaves a kept database as it was.
// REVIEW_FILTERS_BULK=0: none of the timed jobs below, to read a settled database (their updates
// leave dead rows and index entries behind until autovacuum has passed).
const timedBulk = process.env.REVIEW_FILTERS_BULK !== '0';
for (const action of timedBulk ? ['addTags', 'removeTags'] : []) {
  const r = await bulk('agentId=agent-3,agent-4', { [action]: [`pass-${process.pid}`] });
  log(`bulk ${action} of ${r.sessions} sessions in ${Math.round(r.ms)} ms`);
}
// Ingest while a bulk job runs, as bench/run.ts's review phase measures it (there on the §8 data
// set, which PostgreSQL has no million-session copy of on this machine): batches of 1,000 items
// (20 sessions with their messages), 4 connections, to this process listening on a port, for a
// window before the job, one while it runs and one after; the throughput during it against the
// mean of the two around it. The job tags the same 100,000 sessions again and a removal after it
// (not timed) leaves a kept database's tags as they were; the batches' sessions stay (untagged).
if (timedBulk && process.env.REVIEW_FILTERS_INGEST !== '0') {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const server = { url: `http://127.0.0.1:${port}`, port, pid: process.pid, key: adminKey, stop: async () => {} };
  const window = async (name: string) => {
    const r = await ingestLoad([server], `rf-${name}-${process.pid}`, { seconds: 8, connections: 4 });
    if (r.failed) throw new Error(`ingest beside the bulk job: ${r.failed} batches failed; first: ${r.why}`);
    return r.itemsPerSecond;
  };
  const before = await window('before');
  const during = bulk('agentId=agent-3,agent-4', { addTags: [`during-${process.pid}`] });
  let done = false;
  void during.then(() => {
    done = true;
  });
  const beside = await window('during');
  const endedEarly = done;
  const job = await during;
  const after = await window('after');
  await bulk('agentId=agent-3,agent-4', { removeTags: [`during-${process.pid}`] });
  const share = Math.round((beside / ((before + after) / 2)) * 100);
  log(
    `bulk addTags of ${job.sessions} sessions with ingest beside it in ${Math.round(job.ms)} ms; ingest items/s ` +
      `${before} before, ${beside} during (${share} % of without), ${after} after` +
      (endedEarly ? ' — the job ended inside the window: partly without it' : ''),
  );
}
await sql`ANALYZE`.execute(store.db);

const CASES = [
  'tag=common',
  'tag=rare',
  'tag=common&status=failed',
  'tag=rare&channel=phone',
  'tag=common,rare',
  'tag=common,common2',
  'tag=common,common2&status=failed',
  'tag=common&from=' + new Date(end - 7 * DAY).toISOString(),
  'score.quality=5',
  'score.quality%5Bgte%5D=4',
  'score.quality=5&status=failed',
  'tag=common&score.quality=5',
  'tag=common&agentId=agent-3&channel=phone',
  'tag=rare&status=failed',
  'tag=common,rare&status=failed',
  `tag=common&status=failed&from=${new Date(end - 30 * DAY).toISOString()}`,
  'tag=common&score.quality%5Bgte%5D=4',
  'problems=true&reviewed=false',
  'problems=true&reviewed=false&channel=phone',
];
const out: Array<{ q: string; total: number; p50: number; p95: number }> = [];
for (const q of CASES) {
  const path = `/api/v1/sessions?${q}&limit=50`;
  const first = await inject('GET', path);
  if (first.statusCode !== 200) throw new Error(`${q}: ${first.statusCode} ${first.body.slice(0, 300)}`);
  const total = first.json().pagination.total;
  for (let i = 0; i < 3; i++) await inject('GET', path);
  const samples: number[] = [];
  // CPU of this process per request: on SQLite all the work (the database runs in process), and
  // on a loaded machine steadier than the wall clock.
  const cpu = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    await inject('GET', path);
    samples.push(performance.now() - s);
  }
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / rounds;
  const p = percentiles(samples);
  out.push({ q, total, p50: p.p50, p95: p.p95 });
  log(
    `${(cluster ? 'pg' : 'sqlite').padEnd(7)} ${q.padEnd(48)} total ${String(total).padStart(7)}  p50 ${p.p50.toFixed(1).padStart(7)} ms  p95 ${p.p95.toFixed(1).padStart(7)} ms  cpu ${cpuMs.toFixed(1).padStart(6)} ms`,
  );
}
{
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    await inject('GET', '/api/v1/tags');
    samples.push(performance.now() - s);
  }
  const p = percentiles(samples);
  log(
    `${(cluster ? 'pg' : 'sqlite').padEnd(7)} ${'GET /tags'.padEnd(48)}                p50 ${p.p50.toFixed(1).padStart(7)} ms  p95 ${p.p95.toFixed(1).padStart(7)} ms`,
  );
}
// The page's keys alone, in the two shapes (statements written out here, timed on the same data):
// every match collected and sorted (`IN`), and the tag's index walked in start order (`walk`).
const pg = cluster !== null;
const keyIn = (inner: ReturnType<typeof sql>) =>
  pg ? sql`(s.pk, s.started_at) IN (${inner})` : sql`s.pk IN (SELECT session_pk FROM (${inner}))`;
const SHAPES: Array<[string, ReturnType<typeof sql>]> = [];
for (const [label, tag, cond, tagCond] of [
  ['tag=common&status=failed', 'common', sql`s.status = 'failed'`, sql`t.status = 'failed'`],
  [
    'tag=common&agentId=agent-3&channel=phone',
    'common',
    sql`s.agent_id = 'agent-3' AND s.channel = 'phone'`,
    sql`t.agent_id = 'agent-3' AND t.channel = 'phone'`,
  ],
  ['tag=rare&status=failed', 'rare', sql`s.status = 'failed'`, sql`t.status = 'failed'`],
] as const) {
  const tagged = sql`SELECT t.session_pk, t.started_at FROM session_tags t WHERE t.org_id = ${orgId} AND t.tag = ${tag}`;
  SHAPES.push([
    `${label} (IN + sort)`,
    sql`SELECT s.pk FROM sessions s WHERE s.org_id = ${orgId} AND ${cond} AND ${keyIn(tagged)}
      ORDER BY s.started_at DESC, s.pk DESC LIMIT 50`,
  ]);
  SHAPES.push([
    `${label} (walk)`,
    sql`SELECT k.session_pk FROM session_tags k JOIN sessions s ON s.pk = k.session_pk AND s.started_at = k.started_at
      WHERE k.org_id = ${orgId} AND k.tag = ${tag} AND s.org_id = ${orgId} AND ${cond}
      ORDER BY k.started_at DESC, k.session_pk DESC LIMIT 50`,
  ]);
  SHAPES.push([
    `${label} (count)`,
    sql`SELECT count(*) AS n FROM sessions s WHERE s.org_id = ${orgId} AND ${cond} AND ${keyIn(tagged)}`,
  ]);
  // Since 0026: the tag rows carry the session's columns, and session_tag_counts counts them.
  SHAPES.push([
    `${label} (count, tag rows)`,
    sql`SELECT count(*) AS n FROM session_tags t WHERE t.org_id = ${orgId} AND t.tag = ${tag} AND ${tagCond}`,
  ]);
  SHAPES.push([
    `${label} (count, counters)`,
    sql`SELECT sum(n) AS n FROM session_tag_counts t WHERE t.org_id = ${orgId} AND t.tag = ${tag} AND ${tagCond}`,
  ]);
}
for (const [label, query] of SHAPES) {
  for (let i = 0; i < 3; i++) await query.execute(store.db);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    await query.execute(store.db);
    samples.push(performance.now() - s);
  }
  const p = percentiles(samples);
  log(
    `${(pg ? 'pg' : 'sqlite').padEnd(7)} statement ${label.padEnd(56)} p50 ${p.p50.toFixed(2).padStart(7)} ms  p95 ${p.p95.toFixed(2).padStart(7)} ms`,
  );
  const plan = await (pg ? sql`EXPLAIN (ANALYZE, COSTS OFF) ${query}` : sql`EXPLAIN QUERY PLAN ${query}`).execute(
    store.db,
  );
  for (const row of plan.rows as Array<Record<string, unknown>>) log(`    ${String(row['QUERY PLAN'] ?? row.detail)}`);
}
await app.close();
await store.close();
cluster?.stop();
if (!cluster && !kept) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
