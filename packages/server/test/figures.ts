/**
 * Holds the counter tables of 0012 (session_figures and the two first-response histograms) equal
 * to a GROUP BY of the sessions they count, with the buckets computed by lib/stats.ts in
 * JavaScript: so the triggers and the SQL bucket expression are checked together.
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { responseBucket } from '../src/lib/stats.js';
import { FIGURE_SUMS, figureSumColumns } from '../src/store/sessions/figures.js';
import type { TestContext } from './helpers.js';

export async function assertCountersExact(t: TestContext, label = 'counters') {
  const { db } = t.store;
  const key = (r: Record<string, unknown>) => `${r.agent_id}/${r.channel}/${r.status}/${r.type}`;
  const sums = (r: Record<string, unknown>) => FIGURE_SUMS.map((c) => `${c}=${Number(r[c] ?? 0)}`).join(' ');
  const { rows: fresh } = await sql<Record<string, unknown>>`SELECT agent_id, channel, status, type,
    ${sql.join(figureSumColumns('s'))} FROM sessions s WHERE s.org_id = ${t.orgId}
    GROUP BY agent_id, channel, status, type`.execute(db);
  const kept = await db.selectFrom('session_figures').selectAll().where('org_id', '=', t.orgId).execute();
  const nonzero = (r: Record<string, unknown>) => FIGURE_SUMS.some((c) => Number(r[c]) !== 0);
  assert.deepEqual(
    Object.fromEntries(kept.filter(nonzero).map((r) => [key(r), sums(r)])),
    Object.fromEntries(fresh.map((r) => [key(r), sums(r)])),
    `${label}: session_figures = a GROUP BY of sessions`,
  );

  const firsts = await db
    .selectFrom('sessions')
    .select(['agent_id', 'channel', 'status', 'type', 'first_response_ms'])
    .where('org_id', '=', t.orgId)
    .where('first_response_ms', 'is not', null)
    .execute();
  const tally = (k: (r: (typeof firsts)[number]) => string) => {
    const out: Record<string, number> = {};
    for (const r of firsts) {
      const at = `${k(r)}/${responseBucket(Number(r.first_response_ms))}`;
      out[at] = (out[at] ?? 0) + 1;
    }
    return out;
  };
  const byEnums = await db.selectFrom('session_first_responses').selectAll().where('org_id', '=', t.orgId).execute();
  assert.deepEqual(
    Object.fromEntries(
      byEnums
        .filter((r) => Number(r.n) !== 0)
        .map((r) => [`${r.channel}/${r.status}/${r.type}/${r.bucket}`, Number(r.n)]),
    ),
    tally((r) => `${r.channel}/${r.status}/${r.type}`),
    `${label}: session_first_responses = the sessions' buckets`,
  );
  const byAgent = await db.selectFrom('agent_first_responses').selectAll().where('org_id', '=', t.orgId).execute();
  assert.deepEqual(
    Object.fromEntries(byAgent.filter((r) => Number(r.n) !== 0).map((r) => [`${r.agent_id}/${r.bucket}`, Number(r.n)])),
    tally((r) => r.agent_id),
    `${label}: agent_first_responses = the sessions' buckets`,
  );
}
