/**
 * The raw driver side of every row: better-sqlite3 or pg with hand-written SQL and no server,
 * no Kysely, no JSON, so each figure of the server can be read against what the database itself
 * does for the same work on the same machine in the same run.
 */
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
  channels?: string[];
  statuses?: string[];
  types?: string[];
  from?: number;
  to?: number;
  search?: string;
  metadata?: [string, string][];
  transcript?: string[];
}

export function whereOf(d: Dialect, orgId: string, f: RawFilter): { sql: string; params: unknown[] } {
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
  if (f.search) {
    const t = f.search.toLowerCase();
    parts.push(
      `(lower(s.id) LIKE ? OR s.search_text LIKE ? OR s.agent_id IN (SELECT id FROM agents WHERE org_id = ? AND search_name LIKE ?))`,
    );
    params.push(`${t}%`, `%${t}%`, orgId, `%${t}%`);
  }
  for (const [k, v] of f.metadata ?? []) {
    if (d === 'postgres') parts.push('(s.metadata ->> ?) = ?');
    else parts.push(`json_extract(s.metadata, '$."' || ? || '"') = ?`);
    params.push(k, v);
  }
  for (const w of f.transcript ?? []) {
    if (d === 'postgres')
      parts.push(`s.pk IN (SELECT session_pk FROM messages WHERE tsv @@ plainto_tsquery('simple', ?))`);
    else
      parts.push(
        's.pk IN (SELECT m.session_pk FROM messages_fts f JOIN messages m ON m.pk = f.rowid WHERE messages_fts MATCH ?)',
      );
    params.push(d === 'postgres' ? w : `"${w}"`);
  }
  return { sql: parts.join(' AND '), params };
}

export function rawPage(
  d: Dialect,
  orgId: string,
  f: RawFilter,
  sort: { col: string; desc: boolean; nullable: boolean },
  limit: number,
  after?: { value: number; pk: number },
) {
  const w = whereOf(d, orgId, f);
  const dir = sort.desc ? 'DESC' : 'ASC';
  let where = w.sql;
  const params = [...w.params];
  if (after) {
    where += ` AND (s.${sort.col}, s.pk) ${sort.desc ? '<' : '>'} (?, ?)`;
    params.push(after.value, after.pk);
  }
  const nulls = sort.nullable ? ' NULLS LAST' : '';
  return {
    sql: `SELECT s.*, (SELECT a.name FROM agents a WHERE a.org_id = s.org_id AND a.id = s.agent_id) AS agent_name
      FROM sessions s WHERE ${where} ORDER BY s.${sort.col} ${dir}${nulls}, s.pk ${dir} LIMIT ${limit}`,
    params,
  };
}

export function rawCount(d: Dialect, orgId: string, f: RawFilter) {
  const w = whereOf(d, orgId, f);
  return { sql: `SELECT count(*) AS n FROM sessions s WHERE ${w.sql}`, params: w.params };
}

export function rawMetrics(d: Dialect, orgId: string, f: RawFilter, recentSince: number) {
  const w = whereOf(d, orgId, f);
  return {
    sql: `SELECT count(*) AS total, sum(CASE WHEN s.started_at >= ? THEN 1 ELSE 0 END) AS recent,
      s.channel, s.status, s.type FROM sessions s WHERE ${w.sql} GROUP BY s.channel, s.status, s.type`,
    params: [recentSince, ...w.params],
  };
}
