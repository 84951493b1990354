/**
 * The total of the "Needs review" view both ways, on a database `bench/review-filters.ts` kept
 * (REVIEW_FILTERS_DB): the count of sessions_needs_review's entries (0028; what countSessions ran
 * before 0029) and the sum of session_review_counts' rows (0029), which must agree, and the first
 * page with its total as the list route runs them now.
 *
 *   SWITCHBOARD_BENCH_DATA=<dir with pg/> node --import tsx bench/review-counts.ts <database> [rounds]
 *
 * A database migrated to 0028 only (a copy made before 0027 and 0029 were written) gets
 * session_review_counts from 0029's own `up`, not recorded as applied: use a copy.
 */
import { sql } from 'kysely';
import type { SessionFilter } from '../packages/server/src/store/filters.js';
import { sessionFilterWhere } from '../packages/server/src/store/filters.js';
import { openStore } from '../packages/server/src/store/db.js';
import { up as up0029 } from '../packages/server/src/store/migrations/0029_review_counts.js';
import { countSessions } from '../packages/server/src/store/sessions/counts.js';
import { listSessions } from '../packages/server/src/store/sessions/page.js';
import { startPgCluster } from './dataset.js';
import { percentiles } from './http.js';

const [name, roundsArg] = process.argv.slice(2);
if (!name) throw new Error('usage: review-counts.ts <database> [rounds]');
const rounds = Number(roundsArg ?? 40);
const cluster = await startPgCluster();
if (!cluster) throw new Error('no PostgreSQL binaries');
const store = openStore(cluster.url(name));
const log = (m: string) => process.stdout.write(`${m}\n`);
try {
  const { db } = store;
  const [{ org_id: orgId, n }] = await db
    .selectFrom('session_counts')
    .select(['org_id', (eb) => eb.fn.sum<number>('n').as('n')])
    .groupBy('org_id')
    .orderBy('n', 'desc')
    .limit(1)
    .execute();
  log(
    `organization ${orgId}: ${Number(n).toLocaleString('en')} sessions; load ${(await import('node:os'))
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const { rows: has } = await sql<{ t: string | null }>`SELECT to_regclass('session_review_counts')::text AS t`.execute(
    db,
  );
  if (!has[0].t) {
    const s = performance.now();
    await db.transaction().execute((trx) => up0029(trx, 'postgres'));
    await sql`ANALYZE session_review_counts`.execute(db);
    log(`session_review_counts created and filled by 0029's up in ${((performance.now() - s) / 1000).toFixed(1)} s`);
  }
  const time = async (label: string, run: () => Promise<number>) => {
    const total = await run();
    for (let i = 0; i < 3; i++) await run();
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const s = performance.now();
      await run();
      samples.push(performance.now() - s);
    }
    const p = percentiles(samples);
    log(
      `${label.padEnd(64)} total ${String(total).padStart(7)}  p50 ${p.p50.toFixed(1).padStart(7)} ms  p95 ${p.p95.toFixed(1).padStart(7)} ms`,
    );
    return total;
  };
  for (const [q, f] of [
    ['problems=true&reviewed=false', { problems: true, reviewed: false }],
    ['problems=true&reviewed=false&channel=phone', { problems: true, reviewed: false, channels: ['phone'] }],
    [
      'problems=true&reviewed=false&status=failed&type=voice',
      { problems: true, reviewed: false, statuses: ['failed'], types: ['voice'] },
    ],
  ] as Array<[string, SessionFilter]>) {
    const before = await time(`${q} (index entries, 0028)`, async () => {
      const r = await db
        .selectFrom('sessions as s')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where((eb) => sessionFilterWhere(eb, 'postgres', orgId, f, { rangeFirst: true }))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    });
    const after = await time(`${q} (session_review_counts, 0029)`, () => countSessions(db, 'postgres', orgId, f));
    if (before !== after) throw new Error(`${q}: ${before} counted, ${after} summed`);
    // The first page of 50 newest with its total, as GET /sessions runs them (at once).
    await time(`${q} (first page + total)`, async () => {
      const [, total] = await Promise.all([
        listSessions(db, 'postgres', { orgId, filter: f, sort: { field: 'startedAt', desc: true }, limit: 50 }),
        countSessions(db, 'postgres', orgId, f),
      ]);
      return total;
    });
  }
} finally {
  await store.close();
  cluster.stop();
}
