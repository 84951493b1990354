/** The time series: sessions per time bucket, by channel and status. */
import { CHANNELS, STATUSES } from '@switchboard/contracts';
import { type Kysely, sql } from 'kysely';
import type { DialectName } from '../db.js';
import { type SessionFilter, sessionFilterWhere } from '../filters.js';
import type { Database } from '../schema.js';
import { countsOf, countWhen } from './counts.js';

type Db = Kysely<Database>;

/** Sessions per time bucket; the bucket is plain integer arithmetic on epoch ms in both dialects. */
export async function sessionBuckets(db: Db, dialect: DialectName, orgId: string, f: SessionFilter, bucketMs: number) {
  // The size is inlined, not bound: a bound parameter is a REAL to better-sqlite3 (so `/` stops
  // being integer division), and PostgreSQL cannot match a parameterised GROUP BY to the SELECT.
  const size = sql.lit(Math.trunc(bucketMs));
  const bucket = sql<number>`(s.started_at / ${size}) * ${size}`;
  const rows = await db
    .selectFrom('sessions as s')
    .where((eb) => sessionFilterWhere(eb, dialect, orgId, f))
    .select((eb) => [
      bucket.as('bucket'),
      eb.fn.countAll<number>().as('total'),
      ...CHANNELS.map((c) => countWhen('s.channel', c, `channel_${c}` as const)),
      ...STATUSES.map((c) => countWhen('s.status', c, `status_${c}` as const)),
    ])
    .groupBy(sql`(s.started_at / ${size}) * ${size}`)
    .execute();
  return rows.map((row) => ({
    bucket: row.bucket,
    total: row.total,
    byChannel: countsOf(row, 'channel', CHANNELS),
    byStatus: countsOf(row, 'status', STATUSES),
  }));
}
