/**
 * What the database's own work for the `short` shape (250 whole short sessions a batch: created,
 * two messages, ended) costs on SQLite, and which part of the schema costs what: the raw driver
 * writes the rows `npm run bench` writes for it (each session once, in its final state), timed per
 * statement and in CPU time, into a fresh database with the full schema, then with parts of it
 * dropped. On a shared machine the CPU column is the one to read.
 *
 *   node --import tsx bench/short-breakdown.ts <batches> [variant...]
 *
 * variant (join several with +): `none` (the full schema); `noidx:<index>` or `noidx:all` (drop
 * indexes on sessions); `notrig:<table>` (drop that table's triggers); `twowrite` (insert each
 * session active, then update it to its final state, as the server did before it held created
 * sessions unwritten); `nooutbox` (no outbox rows).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { ensureDefaultOrg } from '../packages/server/src/bootstrap.js';
import { hashOf } from '../packages/server/src/lib/hash.js';
import { STATS_COLUMNS, statsOfConversation } from '../packages/server/src/lib/stats.js';
import { searchText } from '../packages/server/src/services/ingest.js';
import { openStore } from '../packages/server/src/store/db.js';
import { migrate } from '../packages/server/src/store/migrate.js';
import { DATA_DIR } from './dataset.js';
import { planShortBatch } from './load.js';

const batches = Number(process.argv[2] ?? 40);
const variants = process.argv.slice(3).length ? process.argv.slice(3) : ['none'];
const base = join(DATA_DIR, `short-breakdown-${process.pid}.db`);
mkdirSync(DATA_DIR, { recursive: true });
for (const s of ['', '-wal', '-shm']) rmSync(base + s, { force: true });
const st = openStore(`sqlite:${base}`);
await migrate(st);
const org = (await ensureDefaultOrg(st)).id;
await st.close();

for (const variant of variants) {
  for (let rep = 0; rep < 2; rep++) {
    const file = join(DATA_DIR, `short-breakdown-${process.pid}-run.db`);
    for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
    const src = new SQLite(base);
    await src.backup(file);
    src.close();
    const db = new SQLite(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('cache_size = -65536');
    db.pragma('foreign_keys = ON');
    for (const v of variant.split('+')) {
      if (v.startsWith('noidx:')) {
        const which = v.slice(6);
        const names = (
          db
            .prepare("SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='sessions' AND sql IS NOT NULL")
            .all() as Array<{ name: string }>
        ).map((r) => r.name);
        for (const n of names) if (which === 'all' || which.split(',').includes(n)) db.exec(`DROP INDEX ${n}`);
      }
      if (v.startsWith('notrig:')) {
        const t = v.slice(7);
        for (const r of db
          .prepare("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name = ?")
          .all(t) as Array<{ name: string }>)
          db.exec(`DROP TRIGGER ${r.name}`);
      }
    }
    const twowrite = variant.includes('twowrite');
    const nooutbox = variant.includes('nooutbox');
    const cache = new Map<string, SQLite.Statement>();
    const times = new Map<string, number>();
    const run = (label: string, text: string, params: unknown[]) => {
      const t0 = performance.now();
      let s = cache.get(text);
      if (!s) {
        s = db.prepare(text);
        cache.set(text, s);
      }
      let out: Record<string, unknown>[] = [];
      if (s.reader) out = s.all(...params) as Record<string, unknown>[];
      else s.run(...params);
      times.set(label, (times.get(label) ?? 0) + performance.now() - t0);
      return out;
    };
    const began = performance.now();
    const cpu0 = process.cpuUsage();
    let items = 0;
    for (let b = 0; b < batches; b++) {
      const batch = planShortBatch(`r${rep}${variant}`);
      const now = Date.now();
      run('begin', 'BEGIN', []);
      const sp: unknown[] = [];
      const figures = batch.map((s) =>
        statsOfConversation(
          s.messages.map((m, k) => ({
            sender: m.sender,
            timestamp: now,
            seq: k + 1,
            latency_ms: m.latencyMs ?? null,
            usage: m.usage,
          })),
        ),
      );
      for (const [i, s] of batch.entries()) {
        const f = figures[i];
        sp.push(
          org,
          s.id,
          s.agentId,
          s.channel,
          s.type,
          twowrite ? 'active' : 'completed',
          now,
          twowrite ? null : now,
          twowrite ? null : 0,
          twowrite ? 0 : s.messages.length,
          twowrite ? 0 : 1,
          now,
          '{}',
          searchText(s.agentId, {}),
          hashOf({ agent: { id: s.agentId, name: s.agentName }, channel: s.channel, type: s.type }),
          ...STATS_COLUMNS.map((c) => (twowrite ? (c === 'first_response_ms' ? null : 0) : f[c])),
        );
      }
      const columns = 15 + STATS_COLUMNS.length;
      const pks = run(
        'sessions',
        `INSERT INTO sessions (org_id, id, agent_id, channel, type, status, started_at, ended_at, duration_ms,
             message_count, event_count, last_activity_at, metadata, search_text, create_hash, ${STATS_COLUMNS.join(', ')})
           VALUES ${batch.map(() => `(${Array(columns).fill('?').join(',')})`).join(',')} RETURNING pk, id`,
        sp,
      );
      const pkOf = new Map(pks.map((x) => [x.id as string, Number(x.pk)]));
      run(
        'session_ids',
        `INSERT INTO session_ids (org_id, id, pk, started_at) VALUES ${batch.map(() => '(?,?,?,?)').join(',')}`,
        batch.flatMap((s) => [org, s.id, pkOf.get(s.id), now]),
      );
      const perAgent = new Map<string, { name: string; n: number }>();
      for (const s of batch) {
        const a = perAgent.get(s.agentId);
        if (a) a.n++;
        else perAgent.set(s.agentId, { name: s.agentName, n: 1 });
      }
      const agents = [...perAgent].sort(([a], [b]) => (a < b ? -1 : 1));
      run(
        'agents',
        `INSERT INTO agents (org_id, id, name, search_name, first_seen_at, last_seen_at, session_count)
           VALUES ${agents.map(() => '(?,?,?,?,?,?,?)').join(',')}
           ON CONFLICT (org_id, id) DO UPDATE SET session_count = agents.session_count + excluded.session_count, last_seen_at = excluded.last_seen_at`,
        agents.flatMap(([id, a]) => [org, id, a.name, a.name.toLowerCase(), now, now, a.n]),
      );
      const mp: unknown[] = [];
      const ep: unknown[] = [];
      const op: Array<[string, string, number, string]> = [];
      for (const s of batch) {
        const pk = pkOf.get(s.id);
        op.push(['session.started', s.id, now, JSON.stringify(s)]);
        for (const [k, m] of s.messages.entries()) {
          mp.push(
            org,
            pk,
            now,
            randomUUID(),
            k + 1,
            m.sender,
            m.content,
            now,
            '{}',
            m.latencyMs ?? null,
            m.usage ? JSON.stringify(m.usage) : null,
          );
          op.push(['message.created', s.id, now, JSON.stringify(m)]);
        }
        const change = JSON.stringify({ from: 'active', to: 'completed' });
        ep.push(org, pk, now, randomUUID(), 1, 'status_changed', now, change);
        op.push(['event.created', s.id, now, change], ['session.ended', s.id, now, JSON.stringify(s)]);
      }
      run(
        'messages',
        `INSERT INTO messages (org_id, session_pk, session_started_at, id, seq, sender, content, timestamp, metadata, latency_ms, usage)
           VALUES ${Array(mp.length / 11)
             .fill('(?,?,?,?,?,?,?,?,?,?,?)')
             .join(',')}`,
        mp,
      );
      run(
        'events',
        `INSERT INTO session_events (org_id, session_pk, session_started_at, id, seq, type, timestamp, data)
           VALUES ${batch.map(() => '(?,?,?,?,?,?,?,?)').join(',')}`,
        ep,
      );
      if (twowrite) {
        const cols = [
          'status',
          'ended_at',
          'duration_ms',
          'message_count',
          'event_count',
          'last_activity_at',
          'transcript_bytes',
          ...STATS_COLUMNS,
        ];
        const vals: unknown[] = [];
        for (const [i, s] of batch.entries())
          vals.push(
            pkOf.get(s.id),
            now,
            'completed',
            now,
            0,
            2,
            1,
            now,
            300,
            ...STATS_COLUMNS.map((c) => figures[i][c]),
          );
        run(
          'update',
          `UPDATE sessions SET ${cols.map((c, i) => `${c} = v.column${i + 3}`).join(', ')}
          FROM (VALUES ${batch
            .map(
              () =>
                `(${Array(cols.length + 2)
                  .fill('?')
                  .join(',')})`,
            )
            .join(',')}) AS v
          WHERE sessions.pk = v.column1 AND sessions.started_at = v.column2`,
          vals,
        );
      }
      if (!nooutbox) {
        const [counter] = run(
          'outbox',
          `INSERT INTO outbox_org_seqs (org_id, last_org_seq) VALUES (?, ?)
          ON CONFLICT (org_id) DO UPDATE SET last_org_seq = outbox_org_seqs.last_org_seq + excluded.last_org_seq RETURNING last_org_seq`,
          [org, op.length],
        );
        let id = Number(counter.last_org_seq) - op.length;
        run(
          'outbox',
          `INSERT INTO outbox (org_id, org_seq, type, session_id, occurred_at, payload) VALUES ${op.map(() => '(?,?,?,?,?,?)').join(',')}`,
          op.flatMap((row) => [org, ++id, ...row]),
        );
      }
      run('commit', 'COMMIT', []);
      items += batch.length * 4;
    }
    const secs = (performance.now() - began) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSecs = (cpu.user + cpu.system) / 1e6;
    const per = [...times].map(([k, t]) => `${k} ${(t / batches).toFixed(1)}`).join('  ');
    console.log(
      `${variant.padEnd(34)} ${String(Math.round(items / secs)).padStart(6)} items/s ${String(Math.round(items / cpuSecs)).padStart(6)} items/CPU-s  ms/batch: ${per}`,
    );
    db.close();
    for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
  }
}
for (const s of ['', '-wal', '-shm']) rmSync(base + s, { force: true });
