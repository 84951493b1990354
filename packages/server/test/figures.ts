/**
 * Holds 0004's session_counts, the counter tables of 0012 (session_figures and the two first-response histograms) and the
 * day rollups of 0013 (session_days and its two histograms) and 0015's sums and histogram per
 * metadata value, and 0029's sessions that need review, equal to a GROUP BY of the sessions they count, with the buckets computed by lib/stats.ts in
 * JavaScript: so the triggers and the SQL bucket expression are checked together.
 */
import assert from 'node:assert/strict';
import { CHANNELS, SESSION_TYPES, STATUSES } from '@switchboard/contracts';
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
  // 0004's counts, by channel, status and type.
  const enums = (r: Record<string, unknown>) => `${r.channel}/${r.status}/${r.type}`;
  const counts = await db.selectFrom('session_counts').selectAll().where('org_id', '=', t.orgId).execute();
  assert.deepEqual(
    Object.fromEntries(counts.filter((r) => Number(r.n) !== 0).map((r) => [enums(r), Number(r.n)])),
    Object.fromEntries(fresh.reduce((m, r) => m.set(enums(r), (m.get(enums(r)) ?? 0) + Number(r.n)), new Map())),
    `${label}: session_counts = a GROUP BY of sessions`,
  );

  const DAY = 86_400_000;
  const dayKey = (r: Record<string, unknown>) => `${Number(r.day)}/${r.agent_id}`;
  const counted = [
    ...CHANNELS.map((c) => `channel_${c}`),
    ...STATUSES.map((c) => `status_${c}`),
    ...SESSION_TYPES.map((c) => `type_${c}`),
  ];
  const daySums = (r: Record<string, unknown>) =>
    [...FIGURE_SUMS, ...counted].map((c) => `${c}=${Number(r[c] ?? 0)}`).join(' ');
  const { rows: freshDays } = await sql<
    Record<string, unknown>
  >`SELECT (started_at / ${sql.lit(DAY)}) * ${sql.lit(DAY)} AS day,
    agent_id, ${sql.join(figureSumColumns('s'))},
    ${sql.join(
      [
        ...CHANNELS.map((c) => ['channel', c]),
        ...STATUSES.map((c) => ['status', c]),
        ...SESSION_TYPES.map((c) => ['type', c]),
      ].map(
        ([col, v]) => sql`sum(CASE WHEN ${sql.ref(`s.${col}`)} = ${v} THEN 1 ELSE 0 END) AS ${sql.id(`${col}_${v}`)}`,
      ),
    )}
    FROM sessions s WHERE s.org_id = ${t.orgId} GROUP BY 1, agent_id`.execute(db);
  const keptDays = await db.selectFrom('session_days').selectAll().where('org_id', '=', t.orgId).execute();
  assert.deepEqual(
    Object.fromEntries(keptDays.filter(nonzero).map((r) => [dayKey(r), daySums(r)])),
    Object.fromEntries(freshDays.map((r) => [dayKey(r), daySums(r)])),
    `${label}: session_days = a GROUP BY of sessions by day and agent`,
  );

  const firsts = await db
    .selectFrom('sessions')
    .select(['agent_id', 'channel', 'status', 'type', 'first_response_ms', 'started_at'])
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
  const dayOf = (r: { started_at: number }) => Math.floor(Number(r.started_at) / DAY) * DAY;
  const days = await db.selectFrom('day_first_responses').selectAll().where('org_id', '=', t.orgId).execute();
  assert.deepEqual(
    Object.fromEntries(days.filter((r) => Number(r.n) !== 0).map((r) => [`${Number(r.day)}/${r.bucket}`, Number(r.n)])),
    tally((r) => `${dayOf(r)}`),
    `${label}: day_first_responses = the sessions' buckets by day`,
  );
  const agentDays = await db
    .selectFrom('agent_day_first_responses')
    .selectAll()
    .where('org_id', '=', t.orgId)
    .execute();
  assert.deepEqual(
    Object.fromEntries(
      agentDays
        .filter((r) => Number(r.n) !== 0)
        .map((r) => [`${Number(r.day)}/${r.agent_id}/${r.bucket}`, Number(r.n)]),
    ),
    tally((r) => `${dayOf(r)}/${r.agent_id}`),
    `${label}: agent_day_first_responses = the sessions' buckets by day and agent`,
  );

  // 0015, against session_metadata (0007, which has its own tests) joined to the sessions.
  const { rows: freshMeta } = await sql<
    Record<string, unknown>
  >`SELECT m.key, m.value, ${sql.join(figureSumColumns('s'))}
    FROM session_metadata m JOIN sessions s ON s.pk = m.session_pk AND s.started_at = m.started_at AND s.org_id = m.org_id
    WHERE m.org_id = ${t.orgId} GROUP BY m.key, m.value`.execute(db);
  const keptMeta = await db.selectFrom('session_metadata_figures').selectAll().where('org_id', '=', t.orgId).execute();
  const metaKey = (r: Record<string, unknown>) => `${r.key}=${r.value}`;
  // Without the count of sessions (session_metadata_counts keeps it); a value whose sessions
  // have no figures may have no row.
  const metaSums = (r: Record<string, unknown>) =>
    FIGURE_SUMS.filter((c) => c !== 'n')
      .map((c) => `${c}=${Number(r[c] ?? 0)}`)
      .join(' ');
  const anySum = (r: Record<string, unknown>) => FIGURE_SUMS.some((c) => c !== 'n' && Number(r[c]) !== 0);
  assert.deepEqual(
    Object.fromEntries(keptMeta.filter(anySum).map((r) => [metaKey(r), metaSums(r)])),
    Object.fromEntries(freshMeta.filter(anySum).map((r) => [metaKey(r), metaSums(r)])),
    `${label}: session_metadata_figures = a GROUP BY of the sessions per metadata value`,
  );
  const metaFirsts = await db
    .selectFrom('session_metadata as m')
    .innerJoin('sessions as s', (j) =>
      j
        .onRef('s.pk', '=', 'm.session_pk')
        .onRef('s.started_at', '=', 'm.started_at')
        .onRef('s.org_id', '=', 'm.org_id'),
    )
    .select(['m.key', 'm.value', 's.first_response_ms'])
    .where('m.org_id', '=', t.orgId)
    .where('s.first_response_ms', 'is not', null)
    .execute();
  const metaTally: Record<string, number> = {};
  for (const r of metaFirsts) {
    const at = `${r.key}=${r.value}/${responseBucket(Number(r.first_response_ms))}`;
    metaTally[at] = (metaTally[at] ?? 0) + 1;
  }
  const metaHist = await db.selectFrom('metadata_first_responses').selectAll().where('org_id', '=', t.orgId).execute();
  assert.deepEqual(
    Object.fromEntries(
      metaHist.filter((r) => Number(r.n) !== 0).map((r) => [`${r.key}=${r.value}/${r.bucket}`, Number(r.n)]),
    ),
    metaTally,
    `${label}: metadata_first_responses = the sessions' buckets per metadata value`,
  );
  await assertTagRowsExact(t, label);
  await assertReviewCountsExact(t, label);
}

/**
 * session_review_counts (0029) equal a GROUP BY of the organization's sessions that need review:
 * failed or with an error, and not marked reviewed.
 */
export async function assertReviewCountsExact(t: TestContext, label = 'review counts') {
  const { db } = t.store;
  const key = (r: { channel: string; status: string; type: string }) => `${r.channel}/${r.status}/${r.type}`;
  const { rows: fresh } = await sql<{ channel: string; status: string; type: string; n: number }>`
    SELECT channel, status, type, count(*) AS n FROM sessions s WHERE s.org_id = ${t.orgId}
      AND s.reviewed_at IS NULL AND (s.status = 'failed' OR s.errors > 0) GROUP BY channel, status, type`.execute(db);
  const kept = await db.selectFrom('session_review_counts').selectAll().where('org_id', '=', t.orgId).execute();
  assert.deepEqual(
    Object.fromEntries(kept.filter((r) => Number(r.n) !== 0).map((r) => [key(r), Number(r.n)])),
    Object.fromEntries(fresh.map((r) => [key(r), Number(r.n)])),
    `${label}: session_review_counts = a GROUP BY of the sessions that need review`,
  );
}

/**
 * session_tags (one row per session and tag, with the session's agent, channel, status, type and
 * whole tag list), session_tag_counts (0026), session_tag_days (0028) and session_tag_set_counts
 * (0034) equal what the sessions' own tag lists and columns give.
 */
export async function assertTagRowsExact(t: TestContext, label = 'tags') {
  const { db } = t.store;
  const { rows: sessions } = await sql<{
    pk: number;
    started_at: number;
    tags: string;
    agent_id: string;
    channel: string;
    status: string;
    type: string;
    reviewed_at: number | null;
    errors: number;
    source: string;
  }>`SELECT pk, started_at, CAST(tags AS TEXT) AS tags, agent_id, channel, status, type, reviewed_at, errors, source
    FROM sessions WHERE org_id = ${t.orgId}`.execute(db);
  const rows: string[] = [];
  const counts: Record<string, number> = {};
  const days: Record<string, number> = {};
  const sets: Record<string, number> = {};
  for (const s of sessions) {
    const tags = JSON.parse(s.tags) as string[];
    // The session's list as 0034 writes it: sorted, `,a,b,`.
    const list = `,${[...tags].sort().join(',')},`;
    for (const tag of tags) {
      rows.push(
        `${tag}/${Number(s.started_at)}/${Number(s.pk)}/${s.agent_id}/${s.channel}/${s.status}/${s.type}` +
          `/${s.reviewed_at === null ? 0 : 1}/${s.status === 'failed' || Number(s.errors) > 0 ? 1 : 0}/${s.source}/${list}`,
      );
      const k = `${tag}/${s.agent_id}/${s.channel}/${s.status}/${s.type}`;
      counts[k] = (counts[k] ?? 0) + 1;
      sets[`${k}/${list}`] = (sets[`${k}/${list}`] ?? 0) + 1;
      const d = `${tag}/${Math.floor(Number(s.started_at) / 86_400_000) * 86_400_000}/${s.channel}/${s.status}/${s.type}`;
      days[d] = (days[d] ?? 0) + 1;
    }
  }
  const kept = await db.selectFrom('session_tags').selectAll().where('org_id', '=', t.orgId).execute();
  assert.deepEqual(
    kept
      .map(
        (r) =>
          `${r.tag}/${Number(r.started_at)}/${Number(r.session_pk)}/${r.agent_id}/${r.channel}/${r.status}/${r.type}` +
          `/${Number(r.reviewed)}/${Number(r.problem)}/${r.source}/${r.tag_set}`,
      )
      .sort(),
    rows.sort(),
    `${label}: session_tags = the sessions' tag lists, with their columns (0026, 0033) and whole list (0034)`,
  );
  const keptSets = await db.selectFrom('session_tag_set_counts').selectAll().where('org_id', '=', t.orgId).execute();
  assert.deepEqual(
    Object.fromEntries(
      keptSets
        .filter((r) => Number(r.n) !== 0)
        .map((r) => [`${r.tag}/${r.agent_id}/${r.channel}/${r.status}/${r.type}/${r.tag_set}`, Number(r.n)])
        .sort(),
    ),
    Object.fromEntries(Object.entries(sets).sort()),
    `${label}: session_tag_set_counts = the sessions counted per tag, agent, channel, status, type and list`,
  );
  const keptCounts = await db.selectFrom('session_tag_counts').selectAll().where('org_id', '=', t.orgId).execute();
  assert.deepEqual(
    Object.fromEntries(
      keptCounts
        .filter((r) => Number(r.n) !== 0)
        .map((r) => [`${r.tag}/${r.agent_id}/${r.channel}/${r.status}/${r.type}`, Number(r.n)])
        .sort(),
    ),
    Object.fromEntries(Object.entries(counts).sort()),
    `${label}: session_tag_counts = the sessions counted per tag, agent, channel, status and type`,
  );
  const keptDays = await db.selectFrom('session_tag_days').selectAll().where('org_id', '=', t.orgId).execute();
  assert.deepEqual(
    Object.fromEntries(
      keptDays
        .filter((r) => Number(r.n) !== 0)
        .map((r) => [`${r.tag}/${Number(r.day)}/${r.channel}/${r.status}/${r.type}`, Number(r.n)])
        .sort(),
    ),
    Object.fromEntries(Object.entries(days).sort()),
    `${label}: session_tag_days = the sessions counted per tag, day, channel, status and type`,
  );
}

/**
 * session_scores' copies of their sessions' agent, channel, status and type (0035) and tag list
 * (0036) equal the sessions'.
 */
export async function assertScoreRowsExact(t: TestContext, label = 'scores') {
  const { rows } = await sql<{ name: string; copied: string; own: string }>`
    SELECT sc.name, sc.agent_id || '/' || sc.channel || '/' || sc.status || '/' || sc.type AS copied,
      s.agent_id || '/' || s.channel || '/' || s.status || '/' || s.type AS own
    FROM session_scores sc JOIN sessions s ON s.org_id = sc.org_id AND s.pk = sc.session_pk AND s.started_at = sc.started_at
    WHERE sc.org_id = ${t.orgId}`.execute(t.store.db);
  assert.ok(rows.length > 0, `${label}: some scores`);
  for (const r of rows) assert.equal(r.copied, r.own, `${label}: score ${r.name}'s copy of its session's columns`);
  // And of its tag list (0036): sorted, `,a,b,` as the tag rows carry it, '' with no tag.
  const lists = await sql<{ id: string; name: string; tag_set: string; tags: string }>`
    SELECT s.id, sc.name, sc.tag_set, CAST(s.tags AS TEXT) AS tags
    FROM session_scores sc JOIN sessions s ON s.org_id = sc.org_id AND s.pk = sc.session_pk AND s.started_at = sc.started_at
    WHERE sc.org_id = ${t.orgId}`.execute(t.store.db);
  for (const r of lists.rows) {
    const tags = JSON.parse(r.tags) as string[];
    const list = tags.length ? `,${[...tags].sort().join(',')},` : '';
    assert.equal(r.tag_set, list, `${label}: score ${r.name} of ${r.id}: its session's tag list`);
  }
}
