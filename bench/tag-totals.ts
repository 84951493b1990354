/**
 * The exact total of tag filters (`countSessions`, 0026) at the density of `sessions` sessions,
 * without generating the sessions: a tag filter with agent, channel, status, type and time
 * conditions is counted from session_tags and its counters (0026, 0028, 0034) alone, so this
 * writes only those — `common` on 10 % of the sessions, `common2` on another 10 %, `rare` on
 * 0.1 %, over 90 days, with the bench's mix of agents, channels, statuses and types — through the
 * counters' triggers, and times each total (p50 and p95 over `rounds`) with the statements' plans.
 *
 *   node --import tsx bench/tag-totals.ts [sessions] [rounds] [pg]
 *   node --import tsx bench/tag-totals.ts 1000000 40
 */
import { rmSync } from 'node:fs';
import { type Insertable, sql } from 'kysely';
import { bootstrap } from '../packages/server/src/bootstrap.js';
import { generateKey } from '../packages/server/src/lib/keys.js';
import { openStore } from '../packages/server/src/store/db.js';
import type { SessionFilter } from '../packages/server/src/store/filters.js';
import { migrate } from '../packages/server/src/store/migrate.js';
import { tagSetOf } from '../packages/server/src/store/review.js';
import type { Database } from '../packages/server/src/store/schema.js';
import { countSessions } from '../packages/server/src/store/sessions/counts.js';
import { DATA_DIR, pgFreshDb, startPgCluster } from './dataset.js';
import { percentiles } from './http.js';

const sessions = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 40);
const cluster = process.argv[4] === 'pg' ? await startPgCluster() : null;
const file = `${DATA_DIR}/tag-totals-${process.pid}.db`;
const url = cluster ? await pgFreshDb(cluster, 'tag_totals') : `sqlite:${file}`;
const dialect = cluster ? 'postgres' : 'sqlite';
const log = (m: string) => process.stderr.write(`${m}\n`);

const store = openStore(url);
await migrate(store);
const { orgId } = await bootstrap(store, { adminKey: generateKey(), dataDir: DATA_DIR });

const CHANNELS = ['web', 'phone', 'telegram', 'whatsapp', 'mobile_sdk', 'sip'] as const;
const DAY = 86_400_000;
const end = Date.now() - DAY;
let t = performance.now();
let rows: Array<Insertable<Database['session_tags']>> = [];
const flush = async () => {
  if (rows.length) await store.db.insertInto('session_tags').values(rows).execute();
  rows = [];
};
for (let j = 0; j < sessions; j++) {
  const tags = [
    ...(j % 10 === 3 ? ['common'] : []),
    ...(j % 10 === 6 ? ['common2'] : []),
    ...(j % 1000 === 7 ? ['rare'] : []),
  ];
  const tagSet = tagSetOf(tags);
  for (const tag of tags)
    rows.push({
      tag_set: tagSet,
      org_id: orgId,
      tag,
      started_at: end - ((j * 2654435761) % (90 * DAY)),
      session_pk: j + 1,
      agent_id: `agent-${j % 20}`,
      channel: CHANNELS[j % CHANNELS.length],
      type: j % 3 ? 'chat' : 'voice',
      status: j % 7 === 0 ? 'failed' : 'completed',
    } as const);
  if (rows.length >= 2000) await flush();
}
await flush();
await sql`ANALYZE`.execute(store.db);
log(`wrote the tag rows of ${sessions} sessions in ${Math.round(performance.now() - t)} ms`);

const ago = (days: number) => end - days * DAY;
const CASES: Array<[string, SessionFilter]> = [
  ['tag=common', { tags: ['common'] }],
  ['tag=common&status=failed', { tags: ['common'], statuses: ['failed'] }],
  ['tag=common&agentId=agent-3&channel=phone', { tags: ['common'], agentIds: ['agent-3'], channels: ['phone'] }],
  ['tag=common,rare', { tags: ['common', 'rare'] }],
  ['tag=common,rare&status=failed', { tags: ['common', 'rare'], statuses: ['failed'] }],
  ['tag=common,common2 (two 10 % tags)', { tags: ['common', 'common2'] }],
  ['tag=common&from=<7 days>', { tags: ['common'], from: ago(7) }],
  ['tag=common&status=failed&from=<30 days>', { tags: ['common'], statuses: ['failed'], from: ago(30) }],
  ['tag=common&from=<89 days> (nearly all)', { tags: ['common'], from: ago(89) }],
  ['tag=common,rare&from=<30 days>', { tags: ['common', 'rare'], from: ago(30) }],
];
for (const [label, f] of CASES) {
  const total = await countSessions(store.db, dialect, orgId, f);
  for (let i = 0; i < 3; i++) await countSessions(store.db, dialect, orgId, f);
  const samples: number[] = [];
  // CPU of this process per call: on SQLite all the work, and steadier than the wall clock on a
  // loaded machine (the wall clock's p95 there is mostly waiting for a core).
  const cpu = process.cpuUsage();
  for (let i = 0; i < rounds; i++) {
    t = performance.now();
    await countSessions(store.db, dialect, orgId, f);
    samples.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  const p = percentiles(samples);
  log(
    `${dialect.padEnd(8)} total ${label.padEnd(44)} ${String(total).padStart(7)}  p50 ${p.p50.toFixed(2).padStart(7)} ms  p95 ${p.p95.toFixed(2).padStart(7)} ms  cpu ${((used.user + used.system) / 1000 / rounds).toFixed(2).padStart(6)} ms`,
  );
}
await store.close();
cluster?.stop();
if (!cluster) for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
