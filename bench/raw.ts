/**
 * The raw driver side of every row: better-sqlite3 or pg with hand-written SQL and no server,
 * no Kysely, no JSON, so each figure of the server can be read against what the database itself
 * does for the same work on the same machine in the same run.
 */
import type { Channel, SessionType, Status } from '@switchboard/contracts';
import { keysOnly as serverKeysOnly } from '../packages/server/src/store/filters.js';
import { CSV_STATS_COLUMNS } from '../packages/server/src/store/sessions/rows.js';
import SQLite from 'better-sqlite3';
import pg from 'pg';

export type Dialect = 'sqlite' | 'postgres';

export interface Raw {
  dialect: Dialect;
  /** `?` placeholders; rewritten to $n for PostgreSQL. */
  all(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** One transaction around `fn`. */
  tx(fn: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

const dollar = (text: string) => {
  let i = 0;
  return text.replace(/\?/g, () => `$${++i}`);
};

export async function openRaw(dialect: Dialect, target: string): Promise<Raw> {
  if (dialect === 'sqlite') {
    const db = new SQLite(target);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('cache_size = -65536');
    db.defaultSafeIntegers(false);
    const cache = new Map<string, SQLite.Statement>();
    const prep = (t: string) => {
      let s = cache.get(t);
      if (!s) {
        s = db.prepare(t);
        cache.set(t, s);
      }
      return s;
    };
    return {
      dialect,
      async all(text, params = []) {
        const s = prep(text);
        if (s.reader) return s.all(...params) as Record<string, unknown>[];
        s.run(...params);
        return [];
      },
      async tx(fn) {
        db.exec('BEGIN');
        try {
          await fn();
          db.exec('COMMIT');
        } catch (e) {
          db.exec('ROLLBACK');
          throw e;
        }
      },
      async close() {
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: target });
  await client.connect();
  return {
    dialect,
    async all(text, params = []) {
      return (await client.query(dollar(text), params)).rows;
    },
    async tx(fn) {
      await client.query('BEGIN');
      try {
        await fn();
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      }
    },
    async close() {
      await client.end();
    },
  };
}

// ─── Hand-written list, count and metrics queries ────────────────────────────────────────────

export interface RawFilter {
  agentIds?: string[];
  channels?: Channel[];
  statuses?: Status[];
  types?: SessionType[];
  from?: number;
  to?: number;
  search?: string;
  metadata?: [string, string][];
  transcript?: string[];
  /** Conditions on a session's figures (`errors[gte]=1` is `['errors', '>=', 1]`), in stored units. */
  ranges?: [column: string, op: '>' | '>=' | '<' | '<=', value: number][];
}

function whereOf(d: Dialect, orgId: string, f: RawFilter): { sql: string; params: unknown[] } {
  const parts = ['s.org_id = ?'];
  const params: unknown[] = [orgId];
  const list = (col: string, values?: string[]) => {
    if (!values?.length) return;
    parts.push(`${col} IN (${values.map(() => '?').join(',')})`);
    params.push(...values);
  };
  list('s.agent_id', f.agentIds);
  list('s.channel', f.channels);
  list('s.status', f.statuses);
  list('s.type', f.types);
  if (f.from !== undefined) parts.push('s.started_at >= ?') && params.push(f.from);
  if (f.to !== undefined) parts.push('s.started_at < ?') && params.push(f.to);
  for (const [col, op, v] of f.ranges ?? []) parts.push(`s.${col} ${op} ?`) && params.push(v);
  if (f.search) {
    // Migrations 0007 / 0010: the union of the three indexed branches' keys (see store/filters.ts).
    const k = d === 'postgres' ? searchKeysPostgres(orgId, f.search) : searchKeysSqlite(orgId, f.search);
    parts.push(`${d === 'postgres' ? '(s.pk, s.started_at)' : 's.pk'} IN (${k.sql})`);
    params.push(...k.params);
  }
  for (const [k, v] of f.metadata ?? []) {
    // Migration 0007: session_metadata, (org_id, key, value, started_at, …) indexed.
    if (d === 'postgres')
      parts.push(
        '(s.pk, s.started_at) IN (SELECT session_pk, started_at FROM session_metadata WHERE org_id = ? AND key = ? AND value = ?)',
      );
    else parts.push('s.pk IN (SELECT session_pk FROM session_metadata WHERE org_id = ? AND key = ? AND value = ?)');
    params.push(orgId, k, v);
  }
  for (const w of f.transcript ?? []) {
    if (d === 'postgres')
      parts.push(
        `(s.pk, s.started_at) IN (SELECT session_pk, session_started_at FROM transcript_docs WHERE tsv @@ plainto_tsquery('simple', ?))`,
      );
    else
      parts.push(
        // Migration 0009: the index's rowid is session_pk << 32 | seq.
        's.pk IN (SELECT rowid >> 32 FROM transcript_fts WHERE transcript_fts MATCH ?)',
      );
    params.push(d === 'postgres' ? w : `"${w}"`);
  }
  return { sql: parts.join(' AND '), params };
}

/** Only metadata conditions (and enums): session_metadata alone answers (migration 0007). */
const metadataOnly = (f: RawFilter) =>
  !!f.metadata?.length &&
  !f.search &&
  !f.transcript?.length &&
  !f.agentIds?.length &&
  !f.ranges?.length &&
  f.from === undefined &&
  f.to === undefined;

/** The filter over `session_metadata m` for `metadataOnly` filters. */
function sideWhere(orgId: string, f: RawFilter) {
  const [[key, value], ...rest] = f.metadata ?? [];
  const parts = ['m.org_id = ? AND m.key = ? AND m.value = ?'];
  const params: unknown[] = [orgId, key, value];
  for (const [col, values] of [
    ['m.channel', f.channels],
    ['m.status', f.statuses],
    ['m.type', f.types],
  ] as const)
    if (values?.length) parts.push(`${col} IN (${values.map(() => '?').join(',')})`) && params.push(...values);
  for (const [k, v] of rest)
    parts.push(`EXISTS (SELECT 1 FROM session_metadata m2 WHERE m2.org_id = m.org_id AND m2.key = ? AND m2.value = ?
      AND m2.started_at = m.started_at AND m2.session_pk = m.session_pk)`) && params.push(k, v);
  return { sql: parts.join(' AND '), params };
}

export function rawPage(
  d: Dialect,
  orgId: string,
  f: RawFilter,
  sort: { col: string; desc: boolean; nullable: boolean },
  limit: number,
  after?: { value: number; pk: number },
  columns = 's.*',
) {
  const dir = sort.desc ? 'DESC' : 'ASC';
  if (metadataOnly(f) && sort.col === 'started_at' && !after) {
    const m = sideWhere(orgId, f);
    return {
      // The page's keys from the index alone, then their rows (as a join PostgreSQL misjudges
      // a common value and hashes every match).
      sql: `SELECT s.*, (SELECT a.name FROM agents a WHERE a.org_id = s.org_id AND a.id = s.agent_id) AS agent_name
        FROM sessions s WHERE ${d === 'postgres' ? '(s.pk, s.started_at)' : 's.pk'} IN (SELECT m.session_pk${d === 'postgres' ? ', m.started_at' : ''}
          FROM session_metadata m WHERE ${m.sql} ORDER BY m.started_at ${dir}, m.session_pk ${dir} LIMIT ${limit})
        ORDER BY s.started_at ${dir}, s.pk ${dir}`,
      params: m.params,
    };
  }
  const w = whereOf(d, orgId, f);
  let where = w.sql;
  const params = [...w.params];
  if (after) {
    where += ` AND (s.${sort.col}, s.pk) ${sort.desc ? '<' : '>'} (?, ?)`;
    params.push(after.value, after.pk);
  }
  const nulls = sort.nullable ? ' NULLS LAST' : '';
  if (f.search || f.transcript?.length) {
    // Keys first (sorted through the narrow sessions_keys index of 0008), rows for the page only.
    const keys = d === 'postgres' ? '(s.pk, s.started_at)' : 's.pk';
    return {
      sql: `SELECT s.*, (SELECT a.name FROM agents a WHERE a.org_id = s.org_id AND a.id = s.agent_id) AS agent_name
        FROM sessions s WHERE ${keys} IN (SELECT ${d === 'postgres' ? 's.pk, s.started_at' : 's.pk'} FROM sessions s
          WHERE ${where} ORDER BY s.${sort.col} ${dir}${nulls}, s.pk ${dir} LIMIT ${limit})
        ORDER BY s.${sort.col} ${dir}${nulls}, s.pk ${dir}`,
      params,
    };
  }
  return {
    sql: `SELECT ${columns}, (SELECT a.name FROM agents a WHERE a.org_id = s.org_id AND a.id = s.agent_id) AS agent_name
      FROM sessions s WHERE ${where} ORDER BY s.${sort.col} ${dir}${nulls}, s.pk ${dir} LIMIT ${limit}`,
    params,
  };
}

/**
 * The columns a CSV export writes, the JSON ones as their stored text and the agent's name by a
 * scalar subquery (as the server reads them: `sessionsWithAgent` in store/sessions/rows.ts).
 */
export const CSV_COLUMNS = `s.pk, s.id, s.agent_id, s.channel, s.type, s.status, s.started_at, s.ended_at,
  s.duration_ms, s.message_count, s.source, ${CSV_STATS_COLUMNS.map((c) => `s.${c}`).join(', ')},
  s.ended_reason, s.reviewed_at, CAST(s.metadata AS TEXT) AS metadata, CAST(s.tags AS TEXT) AS tags,
  CAST(s.scores AS TEXT) AS scores, CAST(s.reviewed_by AS TEXT) AS reviewed_by,
  (SELECT a.name FROM agents a WHERE a.org_id = s.org_id AND a.id = s.agent_id) AS agent_name`;

/** SQLite: the keys of the three indexed branches of `search` (0007), of every organization but two. */
function searchKeysSqlite(orgId: string, search: string) {
  const t = search.toLowerCase();
  const e = t.replace(/[\\%_]/g, (c) => `\\${c}`);
  const agents = `SELECT id FROM agents WHERE org_id = ? AND search_name LIKE ? ESCAPE '\\'`;
  const trigram = [...t].length >= 3;
  return {
    sql: `${
      trigram
        ? 'SELECT rowid AS pk FROM sessions_search WHERE sessions_search MATCH ?'
        : `SELECT pk FROM sessions WHERE org_id = ? AND search_text LIKE ? ESCAPE '\\'`
    }
      UNION ALL SELECT pk FROM sessions WHERE org_id = ? AND lower(id) >= ? AND lower(id) < ? AND lower(id) LIKE ? ESCAPE '\\'
      UNION ALL SELECT pk FROM sessions WHERE org_id = ? AND agent_id IN (${agents})`,
    params: [
      ...(trigram ? [`"${t.replace(/"/g, '""')}"`] : [orgId, `%${e}%`]),
      ...[orgId, t, `${t}\u{10FFFF}`, `${e}%`, orgId, orgId, `%${e}%`],
    ],
  };
}

/** PostgreSQL: the keys of `search`'s three branches, the substring through session_search (0010). */
function searchKeysPostgres(orgId: string, search: string, more = '') {
  const t = search.toLowerCase();
  const e = t.replace(/[\\%_]/g, (c) => `\\${c}`);
  return {
    sql: `SELECT session_pk AS pk, started_at${more} FROM session_search WHERE org_id = ? AND search_text LIKE ? ESCAPE '\\'
      UNION ALL SELECT pk, started_at${more} FROM sessions WHERE org_id = ? AND lower(id) LIKE ? ESCAPE '\\'
      UNION ALL SELECT pk, started_at${more} FROM sessions WHERE org_id = ? AND agent_id IN
        (SELECT id FROM agents WHERE org_id = ? AND search_name LIKE ? ESCAPE '\\')`,
    params: [orgId, `%${e}%`, orgId, `${e}%`, orgId, orgId, `%${e}%`],
  };
}

/** PostgreSQL: the distinct keys of a `keysOnly` filter, one set per condition, intersected. */
function keysPostgres(orgId: string, f: RawFilter) {
  const sets: Array<{ sql: string; params: unknown[] }> = [];
  if (f.search) {
    const k = searchKeysPostgres(orgId, f.search);
    sets.push({ sql: `SELECT pk, started_at FROM (${k.sql}) k`, params: k.params });
  }
  for (const w of f.transcript ?? [])
    sets.push({
      sql: `SELECT session_pk AS pk, session_started_at AS started_at FROM transcript_docs
        WHERE org_id = ? AND tsv @@ plainto_tsquery('simple', ?)`,
      params: [orgId, w],
    });
  if (sets.length === 1)
    return { sql: `SELECT DISTINCT pk, started_at FROM (${sets[0].sql}) d`, params: sets[0].params };
  return { sql: sets.map((x) => x.sql).join(' INTERSECT '), params: sets.flatMap((x) => x.params) };
}

/** Only `search` and/or `transcript`: their own indexes' keys answer alone (store/filters.ts). */
export const keysOnly = ({ transcript, ranges, ...f }: RawFilter) =>
  !ranges?.length && serverKeysOnly({ ...f, transcriptWords: transcript });

/** SQLite: the distinct-able keys of a `keysOnly` filter, one set per condition, intersected. */
function keysSqlite(orgId: string, f: RawFilter) {
  const sets: Array<{ sql: string; params: unknown[] }> = [];
  if (f.search) {
    const k = searchKeysSqlite(orgId, f.search);
    sets.push({ sql: `SELECT pk FROM (${k.sql})`, params: k.params });
  }
  for (const w of f.transcript ?? [])
    sets.push({ sql: 'SELECT rowid >> 32 AS pk FROM transcript_fts WHERE transcript_fts MATCH ?', params: [`"${w}"`] });
  return { sql: sets.map((x) => x.sql).join(' INTERSECT '), params: sets.flatMap((x) => x.params) };
}

/** PostgreSQL: some transcript document of the session (`w`) has the word (0009). */
const docsHave = (alias: string) =>
  `EXISTS (SELECT 1 FROM transcript_docs t WHERE t.session_pk = ${alias}.session_pk
    AND t.session_started_at = ${alias}.session_started_at AND t.tsv @@ plainto_tsquery('simple', ?))`;

/**
 * The best SQL we know for a first page in start order of a `keysOnly` filter (`transcript` alone
 * on PostgreSQL): the organization's sessions walked along their start index, each tested
 * against the matching keys, at most 20,000 of them. When that does not fill the page (a rare
 * term), the caller runs `rawPage` instead.
 */
export function rawWalkPage(d: Dialect, orgId: string, f: RawFilter, limit: number) {
  const walk = `SELECT pk, started_at FROM sessions WHERE org_id = ? ORDER BY started_at DESC, pk DESC LIMIT 20000`;
  const agentName = '(SELECT a.name FROM agents a WHERE a.org_id = s.org_id AND a.id = s.agent_id) AS agent_name';
  if (d === 'postgres') {
    const words = f.transcript ?? [];
    return {
      sql: `SELECT s.*, ${agentName} FROM sessions s WHERE (s.pk, s.started_at) IN (
        SELECT w.session_pk, w.session_started_at FROM (SELECT pk AS session_pk, started_at AS session_started_at
          FROM (${walk}) x) w WHERE ${words.map(() => docsHave('w')).join(' AND ')}
        ORDER BY w.session_started_at DESC, w.session_pk DESC LIMIT ${limit})
        ORDER BY s.started_at DESC, s.pk DESC`,
      params: [orgId, ...words],
    };
  }
  const k = keysSqlite(orgId, f);
  return {
    sql: `SELECT s.*, ${agentName} FROM sessions s WHERE s.pk IN (
      SELECT w.pk FROM (${walk}) w WHERE w.pk IN (${k.sql}) ORDER BY w.started_at DESC, w.pk DESC LIMIT ${limit})
      ORDER BY s.started_at DESC, s.pk DESC`,
    params: [orgId, ...k.params],
  };
}

export function rawCount(d: Dialect, orgId: string, f: RawFilter) {
  if (d === 'sqlite' && keysOnly(f)) {
    // When no other organization has sessions, the distinct keys are the count (no lookup of
    // each key's organization); otherwise the plain count.
    const w = whereOf(d, orgId, f);
    const k = keysSqlite(orgId, f);
    return {
      sql: `SELECT CASE WHEN EXISTS (SELECT 1 FROM session_counts WHERE org_id <> ? AND n > 0)
        THEN (SELECT count(*) FROM sessions s WHERE ${w.sql}) ELSE (SELECT count(DISTINCT pk) FROM (${k.sql})) END AS n`,
      params: [orgId, ...w.params, ...k.params],
    };
  }
  if (d === 'postgres' && keysOnly(f) && !f.search) {
    // The transcript documents carry the organization: no sessions read.
    const [first, ...rest] = f.transcript ?? [];
    return {
      sql: `SELECT count(*) AS n FROM (SELECT DISTINCT d.session_pk, d.session_started_at FROM transcript_docs d
        WHERE d.org_id = ? AND d.tsv @@ plainto_tsquery('simple', ?) ${rest.map(() => `AND ${docsHave('d')}`).join(' ')}) x`,
      params: [orgId, first, ...rest],
    };
  }
  if (d === 'postgres' && keysOnly(f)) {
    const k = keysPostgres(orgId, f);
    return { sql: `SELECT count(*) AS n FROM (${k.sql}) k`, params: k.params };
  }
  if (metadataOnly(f)) {
    const m = sideWhere(orgId, f);
    return { sql: `SELECT count(*) AS n FROM session_metadata m WHERE ${m.sql}`, params: m.params };
  }
  const w = whereOf(d, orgId, f);
  return { sql: `SELECT count(*) AS n FROM sessions s WHERE ${w.sql}`, params: w.params };
}

export function rawMetrics(d: Dialect, orgId: string, f: RawFilter, recentSince: number) {
  if (d === 'postgres' && keysOnly(f) && !f.transcript?.length && f.search) {
    // Each match once with its channel, status and type, from the branches' own indexes.
    const k = searchKeysPostgres(orgId, f.search, ', channel, status, type');
    return {
      sql: `SELECT count(*) AS total, sum(CASE WHEN k.started_at >= ? THEN 1 ELSE 0 END) AS recent,
        k.channel, k.status, k.type FROM (SELECT DISTINCT pk, started_at, channel, status, type FROM (${k.sql}) u) k
        GROUP BY k.channel, k.status, k.type`,
      params: [recentSince, ...k.params],
    };
  }
  if (d === 'postgres' && keysOnly(f)) {
    const k = keysPostgres(orgId, f);
    return {
      sql: `SELECT count(*) AS total, sum(CASE WHEN q.started_at >= ? THEN 1 ELSE 0 END) AS recent,
        q.channel, q.status, q.type FROM session_search q WHERE q.org_id = ? AND (q.session_pk, q.started_at) IN (${k.sql})
        GROUP BY q.channel, q.status, q.type`,
      params: [recentSince, orgId, ...k.params],
    };
  }
  if (metadataOnly(f)) {
    const m = sideWhere(orgId, f);
    return {
      sql: `SELECT count(*) AS total, sum(CASE WHEN m.started_at >= ? THEN 1 ELSE 0 END) AS recent,
        m.channel, m.status, m.type FROM session_metadata m WHERE ${m.sql} GROUP BY m.channel, m.status, m.type`,
      params: [recentSince, ...m.params],
    };
  }
  const w = whereOf(d, orgId, f);
  return {
    sql: `SELECT count(*) AS total, sum(CASE WHEN s.started_at >= ? THEN 1 ELSE 0 END) AS recent,
      s.channel, s.status, s.type FROM sessions s WHERE ${w.sql} GROUP BY s.channel, s.status, s.type`,
    params: [recentSince, ...w.params],
  };
}
