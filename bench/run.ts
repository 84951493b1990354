/**
 * `npm run bench`: every budget of docs/PERFORMANCE.md#budgets through the real HTTP server, on SQLite and
 * PostgreSQL, each figure next to the raw driver doing the same work in the same run.
 *
 *   npm run bench                 1,000,000 sessions / 5,000,000 messages (cached in bench/data)
 *   npm run bench -- --quick      100,000 sessions (a few minutes)
 *   npm run bench -- --smoke      2,000 sessions, a few iterations per row, no budget gate (CI)
 *   --dialect sqlite|postgres     only one store        --out DIR   where the JSON goes
 *   --no-growth                   skip the 1/10-size data set comparison
 *   --rows-only [--days N]        the alerts or the review phase on session rows without transcripts
 *                                 over the last N days (default 30), ending at the current hour: a
 *                                 million in half an hour instead of hours (bench/dataset.ts); with
 *                                 `--only alerts` or `--only review` only
 *   --only reads,growth           only these phases (export, reads, dashboard, growth, ingest, otlp,
 *                                 review, alerts, redaction); `--only ingest` / `otlp` / `redaction`
 *                                 alone skip the data set
 *
 * The machine is shared and noisy, which is why every figure sits next to the raw driver's
 * figure from the same run: the ratio is the part of a number that is ours.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ALERT_METRICS, type Sort } from '@switchboard/contracts';
import { ensureDefaultOrg } from '../packages/server/src/bootstrap.js';
import { generateKey } from '../packages/server/src/lib/keys.js';
import { encodeCursor } from '../packages/server/src/lib/page.js';
import { csvRecord, sessionCursorFields } from '../packages/server/src/services/read.js';
import { hashOf } from '../packages/server/src/lib/hash.js';
import { STATS_COLUMNS, statsOfConversation } from '../packages/server/src/lib/stats.js';
import { searchText } from '../packages/server/src/services/ingest.js';
import { AlertService } from '../packages/server/src/services/alerts.js';
import { openStore } from '../packages/server/src/store/db.js';
import { migrate } from '../packages/server/src/store/migrate.js';
import type { CsvSessionRow } from '../packages/server/src/store/sessions/rows.js';
import {
  DATA_DIR,
  type DatasetInfo,
  datasetParams,
  type PgCluster,
  pgCopyDb,
  pgDataset,
  pgDropDb,
  pgFreshDb,
  ROOT,
  rowsOnlyParams,
  sqliteDataset,
  startPgCluster,
} from './dataset.js';
import { type LoopBudget, loop, memoryOf, percentiles, request, type Server, startServer } from './http.js';
import { CONVERSATIONS as OTLP_CONVERSATIONS, otlpLoad, TURNS as OTLP_TURNS } from './otlp.js';
import {
  BATCH_ITEMS,
  type BatchShape,
  ingestLoad,
  MESSAGES_PER_SESSION,
  planBatch,
  planShortBatch,
  singleItemLoad,
} from './load.js';
import {
  CSV_COLUMNS,
  type Dialect,
  keysOnly,
  openRaw,
  type Raw,
  type RawFilter,
  rawCount,
  rawMetrics,
  rawPage,
  rawWalkPage,
} from './raw.js';

// ─── Options ─────────────────────────────────────────────────────────────────────────────────

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const value = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const mode: 'full' | 'quick' | 'smoke' = flag('smoke') ? 'smoke' : flag('quick') ? 'quick' : 'full';
const SIZES = { full: 1_000_000, quick: 100_000, smoke: 2_000 } as const;
const sessions = Number(value('sessions') ?? SIZES[mode]);
const dialects: Dialect[] = value('dialect') ? [value('dialect') as Dialect] : ['sqlite', 'postgres'];
const outDir = value('out') ?? join(ROOT, 'bench', 'results');
const growth = mode !== 'smoke' && !flag('no-growth');
const rowsOnly = flag('rows-only');
const rowsOnlyDays = Number(value('days') ?? 30);
const gate = mode !== 'smoke';
/** `--only reads,growth`: run some phases (export, reads, dashboard, growth, ingest, otlp, alerts) only. */
const only = value('only')?.split(',');
const phase = (name: string) => !only || only.includes(name);
// Without messages the other phases would measure a different data set than their budgets name;
// alerts and review read only session rows (review's tags and scores are its own).
if (rowsOnly && (only?.length !== 1 || !['alerts', 'review'].includes(only[0]))) {
  process.stderr.write('--rows-only is for the alerts or the review phase: add --only alerts or --only review\n');
  process.exit(2);
}
const LOOP: LoopBudget =
  mode === 'smoke'
    ? { iterations: 2, seconds: 1, minIterations: 1, warmup: 0 }
    : mode === 'quick'
      ? { iterations: 100, seconds: 4, minIterations: 20, warmup: 3 }
      : { iterations: 200, seconds: 8, minIterations: 20, warmup: 3 };
const INGEST_SECONDS = mode === 'smoke' ? 1 : mode === 'quick' ? 15 : 30;
const STREAM_CLIENTS = mode === 'smoke' ? 20 : 1000;
const STREAM_MESSAGES = mode === 'smoke' ? 3 : 20;
const log = (m: string) => process.stderr.write(`${m}\n`);

// ─── Results ─────────────────────────────────────────────────────────────────────────────────

interface Row {
  dialect: Dialect;
  section: string;
  what: string;
  unit: string;
  figure: number;
  /** The budget for this dialect; `atLeast` for throughput rows. */
  budget?: { limit: number; atLeast?: boolean };
  raw?: number;
  /** figure / raw (time rows) or figure / raw (throughput rows): how much of the database's own speed we keep. */
  ratio?: number;
  pass?: boolean;
  detail?: Record<string, unknown>;
}

const rows: Row[] = [];
const growthRows: {
  dialect: Dialect;
  what: string;
  small: number;
  large: number;
  growth: number;
  smallRaw: number;
  largeRaw: number;
}[] = [];

/** PostgreSQL is held to within 2× of every SQLite budget (docs/PERFORMANCE.md#budgets). */
function budgetFor(d: Dialect, limit: number, atLeast = false) {
  const f = d === 'postgres' ? 2 : 1;
  return { limit: atLeast ? limit / f : limit * f, atLeast };
}

function record(r: Omit<Row, 'pass' | 'ratio'> & { ratio?: number }) {
  const ratio = r.ratio ?? (r.raw !== undefined && r.raw > 0 ? Math.round((r.figure / r.raw) * 100) / 100 : undefined);
  const pass = r.budget ? (r.budget.atLeast ? r.figure >= r.budget.limit : r.figure <= r.budget.limit) : undefined;
  const row = { ...r, ratio, pass };
  rows.push(row);
  const b = r.budget ? `${r.budget.atLeast ? '≥' : '≤'} ${r.budget.limit}` : '';
  log(
    `  ${r.dialect.padEnd(8)} ${r.what.padEnd(52)} ${String(r.figure).padStart(10)} ${r.unit.padEnd(6)} ${b.padEnd(10)} raw ${r.raw ?? '—'} ${pass === undefined ? '' : pass ? 'pass' : 'FAIL'}`,
  );
}

// ─── Ingest ──────────────────────────────────────────────────────────────────────────────────

// The workload (batches of 1,000 items, every item's status checked) lives in load.ts, shared
// with the multi-process benchmark (scale.ts).
function ingestThroughServer(server: Server, run: string, shape: BatchShape = 'consecutive') {
  // The smoke run only proves the path works: a fixed handful of batches, however slow.
  return ingestLoad(
    [server],
    run,
    mode === 'smoke' ? { amount: 4, connections: 4, shape } : { seconds: INGEST_SECONDS, connections: 4, shape },
  );
}

/** The same rows the server writes (sessions, agents, messages, outbox), with prepared multi-row inserts. */
async function ingestRaw(raw: Raw, orgId: string, run: string, seconds: number, workers: Raw[]) {
  const d = raw.dialect;
  let messages = 0;
  const until = performance.now() + seconds * 1000;
  const began = performance.now();
  const worker = async (r: Raw) => {
    while (performance.now() < until) {
      const p = planBatch(run);
      const now = Date.now();
      await r.tx(async () => {
        const sp: unknown[] = [];
        for (const s of p.sessions)
          sp.push(
            orgId,
            s.id,
            s.agentId,
            s.channel,
            s.type,
            'active',
            now,
            MESSAGES_PER_SESSION,
            0,
            now,
            JSON.stringify(s.metadata),
            searchText(s.agentId, s.metadata),
            hashOf({
              agent: { id: s.agentId, name: s.agentName },
              channel: s.channel,
              type: s.type,
              metadata: s.metadata,
            }),
          );
        const pks = await r.all(
          `INSERT INTO sessions (org_id, id, agent_id, channel, type, status, started_at, message_count, event_count,
             last_activity_at, metadata, search_text, create_hash)
           VALUES ${p.sessions.map(() => '(?,?,?,?,?,?,?,?,?,?,?,?,?)').join(',')} RETURNING pk, id`,
          sp,
        );
        const pkOf = new Map(pks.map((x) => [x.id as string, Number(x.pk)]));
        // Migration 0007's triggers write session_metadata, its counts and SQLite's trigram index
        // for these rows as they do for the server's: the same schema, the same rows.
        // Migration 0006: every session's id also goes to session_ids, in the same transaction.
        await r.all(
          `INSERT INTO session_ids (org_id, id, pk, started_at) VALUES ${p.sessions.map(() => '(?,?,?,?)').join(',')}`,
          p.sessions.flatMap((s) => [orgId, s.id, pkOf.get(s.id), now]),
        );
        const ap: unknown[] = [];
        for (const s of p.sessions) ap.push(orgId, s.agentId, s.agentName, s.agentName.toLowerCase(), now, now, 1);
        await r.all(
          `INSERT INTO agents (org_id, id, name, search_name, first_seen_at, last_seen_at, session_count)
           VALUES ${p.sessions.map(() => '(?,?,?,?,?,?,?)').join(',')}
           ON CONFLICT (org_id, id) DO UPDATE SET session_count = agents.session_count + 1, last_seen_at = excluded.last_seen_at`,
          // PostgreSQL refuses to touch one row twice in a statement: one row per agent.
          dedupeAgents(ap),
        );
        const mp: unknown[] = [];
        const seq = new Map<number, number>();
        for (const m of p.messages) {
          const pk = pkOf.get(p.sessions[m.sessionIndex].id) as number;
          const n = (seq.get(pk) ?? 0) + 1;
          seq.set(pk, n);
          mp.push(
            orgId,
            pk,
            now,
            randomUUID(),
            n,
            m.sender,
            m.content,
            now,
            '{}',
            m.latencyMs ?? null,
            m.usage ? JSON.stringify(m.usage) : null,
          );
        }
        await r.all(
          `INSERT INTO messages (org_id, session_pk, session_started_at, id, seq, sender, content, timestamp, metadata,
             latency_ms, usage)
           VALUES ${p.messages.map(() => '(?,?,?,?,?,?,?,?,?,?,?)').join(',')}`,
          mp,
        );
        // The sessions' figures, as the server keeps them: one UPDATE per session.
        for (const [i, s] of p.sessions.entries()) {
          const f = statsOfConversation(
            p.messages
              .filter((m) => m.sessionIndex === i)
              .map((m, k) => ({
                sender: m.sender as 'user' | 'agent',
                timestamp: now,
                seq: k + 1,
                latency_ms: m.latencyMs ?? null,
                usage: m.usage,
              })),
          );
          await r.all(
            `UPDATE sessions SET ${STATS_COLUMNS.map((c) => `${c} = ?`).join(', ')} WHERE pk = ? AND started_at = ?`,
            [...STATS_COLUMNS.map((c) => f[c]), pkOf.get(s.id), now],
          );
        }
        await insertOutbox(r, orgId, [
          ...p.sessions.map((s) => ['session.started', s.id, now, JSON.stringify(s)] as OutboxRow),
          ...p.messages.map(
            (m) => ['message.created', p.sessions[m.sessionIndex].id, now, JSON.stringify(m)] as OutboxRow,
          ),
        ]);
      });
      messages += p.messages.length;
    }
  };
  await Promise.all((d === 'sqlite' ? [raw] : workers).map(worker));
  return Math.round(messages / ((performance.now() - began) / 1000));
}

/** An outbox entry as the raw rows write it: type, session id, occurred at, payload. */
type OutboxRow = [string, string, number, string];

/**
 * Outbox entries with the organization's own event ids, as the server writes them: the ids
 * reserved from its counter in one statement, then one multi-row insert.
 */
async function insertOutbox(r: Raw, orgId: string, rows: OutboxRow[]) {
  const [counter] = await r.all(
    `INSERT INTO outbox_org_seqs (org_id, last_org_seq) VALUES (?, ?)
     ON CONFLICT (org_id) DO UPDATE SET last_org_seq = outbox_org_seqs.last_org_seq + excluded.last_org_seq
     RETURNING last_org_seq`,
    [orgId, rows.length],
  );
  let id = Number(counter.last_org_seq) - rows.length;
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    await r.all(
      `INSERT INTO outbox (org_id, org_seq, type, session_id, occurred_at, payload)
       VALUES ${chunk.map(() => '(?,?,?,?,?,?)').join(',')}`,
      chunk.flatMap((row) => [orgId, ++id, ...row]),
    );
  }
}

/**
 * The rows of the `short` shape (250 whole sessions a batch: created, two messages, ended), with
 * the best SQL we know: each session inserted once in its final state (ended, its counters and
 * figures), its id, its agents' counters, the messages, the status_changed events and the five
 * outbox entries each, one multi-row statement per table, one transaction per batch. Items/s.
 */
async function ingestRawShort(raw: Raw, orgId: string, run: string, seconds: number, workers: Raw[]) {
  let items = 0;
  const until = performance.now() + seconds * 1000;
  const began = performance.now();
  const worker = async (r: Raw) => {
    while (performance.now() < until) {
      const batch = planShortBatch(run);
      const now = Date.now();
      await r.tx(async () => {
        const sp: unknown[] = [];
        for (const s of batch) {
          const f = statsOfConversation(
            s.messages.map((m, k) => ({
              sender: m.sender,
              timestamp: now,
              seq: k + 1,
              latency_ms: m.latencyMs ?? null,
              usage: m.usage,
            })),
          );
          sp.push(
            orgId,
            s.id,
            s.agentId,
            s.channel,
            s.type,
            'completed',
            now,
            now,
            0,
            s.messages.length,
            1,
            now,
            '{}',
            searchText(s.agentId, {}),
            hashOf({ agent: { id: s.agentId, name: s.agentName }, channel: s.channel, type: s.type }),
            ...STATS_COLUMNS.map((c) => f[c]),
          );
        }
        const columns = 15 + STATS_COLUMNS.length;
        const pks = await r.all(
          `INSERT INTO sessions (org_id, id, agent_id, channel, type, status, started_at, ended_at, duration_ms,
             message_count, event_count, last_activity_at, metadata, search_text, create_hash, ${STATS_COLUMNS.join(', ')})
           VALUES ${batch.map(() => `(${Array(columns).fill('?').join(',')})`).join(',')} RETURNING pk, id`,
          sp,
        );
        const pkOf = new Map(pks.map((x) => [x.id as string, Number(x.pk)]));
        await r.all(
          `INSERT INTO session_ids (org_id, id, pk, started_at) VALUES ${batch.map(() => '(?,?,?,?)').join(',')}`,
          batch.flatMap((s) => [orgId, s.id, pkOf.get(s.id), now]),
        );
        const perAgent = new Map<string, { name: string; n: number }>();
        for (const s of batch) {
          const a = perAgent.get(s.agentId);
          if (a) a.n++;
          else perAgent.set(s.agentId, { name: s.agentName, n: 1 });
        }
        // In id order: concurrent batches lock agent rows in the same order (no deadlock).
        const agents = [...perAgent].sort(([a], [b]) => (a < b ? -1 : 1));
        await r.all(
          `INSERT INTO agents (org_id, id, name, search_name, first_seen_at, last_seen_at, session_count)
           VALUES ${agents.map(() => '(?,?,?,?,?,?,?)').join(',')}
           ON CONFLICT (org_id, id) DO UPDATE SET session_count = agents.session_count + excluded.session_count,
             last_seen_at = excluded.last_seen_at`,
          agents.flatMap(([id, a]) => [orgId, id, a.name, a.name.toLowerCase(), now, now, a.n]),
        );
        const mp: unknown[] = [];
        const ep: unknown[] = [];
        const op: OutboxRow[] = [];
        for (const s of batch) {
          const pk = pkOf.get(s.id);
          op.push(['session.started', s.id, now, JSON.stringify(s)]);
          for (const [k, m] of s.messages.entries()) {
            mp.push(orgId, pk, now, randomUUID(), k + 1, m.sender, m.content, now, '{}', m.latencyMs ?? null);
            mp.push(m.usage ? JSON.stringify(m.usage) : null);
            op.push(['message.created', s.id, now, JSON.stringify(m)]);
          }
          const change = JSON.stringify({ from: 'active', to: 'completed' });
          ep.push(orgId, pk, now, randomUUID(), 1, 'status_changed', now, change);
          op.push(['event.created', s.id, now, change], ['session.ended', s.id, now, JSON.stringify(s)]);
        }
        await r.all(
          `INSERT INTO messages (org_id, session_pk, session_started_at, id, seq, sender, content, timestamp, metadata,
             latency_ms, usage)
           VALUES ${Array(mp.length / 11)
             .fill('(?,?,?,?,?,?,?,?,?,?,?)')
             .join(',')}`,
          mp,
        );
        await r.all(
          `INSERT INTO session_events (org_id, session_pk, session_started_at, id, seq, type, timestamp, data)
           VALUES ${batch.map(() => '(?,?,?,?,?,?,?,?)').join(',')}`,
          ep,
        );
        await insertOutbox(r, orgId, op);
      });
      items += batch.length * (2 + batch[0].messages.length);
    }
  };
  await Promise.all((raw.dialect === 'sqlite' ? [raw] : workers).map(worker));
  return Math.round(items / ((performance.now() - began) / 1000));
}

/**
 * The rows of single-message requests: 100 sessions, then one message at a time to each in turn,
 * every message its own transaction (the message, its session's counter and activity, its outbox
 * entry), as a writer without shared commits does them: one connection on SQLite (one writer
 * anyway), the four workers on PostgreSQL. Messages/s.
 */
async function ingestRawSingle(raw: Raw, orgId: string, run: string, seconds: number, workers: Raw[]) {
  const now = Date.now();
  const ids = Array.from({ length: 100 }, (_, i) => `${run}-${i}`);
  const pks: number[] = [];
  await raw.tx(async () => {
    for (const [i, id] of ids.entries()) {
      const agentId = `bench-agent-${i % 50}`;
      const [row] = await raw.all(
        `INSERT INTO sessions (org_id, id, agent_id, channel, type, status, started_at, last_activity_at, metadata,
           search_text, create_hash) VALUES (?,?,?,'web','chat','active',?,?,'{}',?,?) RETURNING pk`,
        [orgId, id, agentId, now, now, searchText(agentId, {}), id],
      );
      pks.push(Number(row.pk));
      await raw.all('INSERT INTO session_ids (org_id, id, pk, started_at) VALUES (?,?,?,?)', [orgId, id, row.pk, now]);
    }
  });
  let sent = 0;
  const seq = new Map<number, number>();
  const until = performance.now() + seconds * 1000;
  const began = performance.now();
  const worker = async (r: Raw, w: number, of: number) => {
    for (let i = w; performance.now() < until; i += of) {
      const k = i % ids.length;
      const pk = pks[k];
      const n = (seq.get(pk) ?? 0) + 1;
      seq.set(pk, n);
      const at = Date.now();
      const sender = n % 2 ? 'user' : 'agent';
      const content = `message ${i}`;
      await r.tx(async () => {
        await r.all(
          'UPDATE sessions SET message_count = ?, last_activity_at = ?, user_messages = user_messages + ? WHERE pk = ? AND started_at = ?',
          [n, at, sender === 'user' ? 1 : 0, pk, now],
        );
        await r.all(
          `INSERT INTO messages (org_id, session_pk, session_started_at, id, seq, sender, content, timestamp, metadata)
           VALUES (?,?,?,?,?,?,?,?,'{}')`,
          [orgId, pk, now, randomUUID(), n, sender, content, at],
        );
        await insertOutbox(r, orgId, [['message.created', ids[k], at, JSON.stringify({ sender, content })]]);
      });
      sent++;
    }
  };
  const pool = raw.dialect === 'sqlite' ? [raw] : workers;
  await Promise.all(pool.map((r, w) => worker(r, w, pool.length)));
  return Math.round(sent / ((performance.now() - began) / 1000));
}

function dedupeAgents(ap: unknown[]): unknown[] {
  const seen = new Set<unknown>();
  const out: unknown[] = [];
  for (let i = 0; i < ap.length; i += 7) {
    if (seen.has(ap[i + 1])) continue;
    seen.add(ap[i + 1]);
    out.push(...ap.slice(i, i + 7));
  }
  return out;
}

// ─── Live stream ─────────────────────────────────────────────────────────────────────────────

async function streamFanOut(server: Server, clients: number, messages: number) {
  const sessionId = `stream-${randomUUID()}`;
  await request(server.url, 'POST', '/api/v1/ingest', {
    key: server.key,
    body: JSON.stringify({
      batch: [
        { type: 'session', body: { id: sessionId, agent: { id: 'stream-bench' }, channel: 'web', type: 'chat' } },
      ],
    }),
  });
  const waiting = new Map<string, { sent: number; ack: number; got: number[]; done: () => void }>();
  const sockets: http.ClientRequest[] = [];
  let connected = 0;
  await new Promise<void>((ok, fail) => {
    for (let i = 0; i < clients; i++) {
      const req = http.get(
        `${server.url}/api/v1/stream`,
        { agent: false, headers: { authorization: `Bearer ${server.key}`, accept: 'text/event-stream' } },
        (res) => {
          if (res.statusCode !== 200) return fail(new Error(`stream answered ${res.statusCode}`));
          if (++connected === clients) ok();
          let tail = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const text = tail + chunk;
            const at = performance.now();
            for (const [marker, w] of waiting)
              if (text.includes(marker)) {
                w.got.push(at);
                if (w.got.length === clients) w.done();
              }
            tail = text.slice(-100);
          });
          res.on('error', () => {});
        },
      );
      req.on('error', () => {});
      sockets.push(req);
    }
    setTimeout(() => fail(new Error(`only ${connected}/${clients} streams connected`)), 60_000).unref();
  });
  const fromSend: number[] = [];
  const fromAck: number[] = [];
  let missed = 0;
  // Two unmeasured messages first: the server may still be draining the ingest phase's work.
  for (let i = -2; i < messages; i++) {
    const marker = `fanout-${randomUUID()}`;
    let done!: () => void;
    const all = new Promise<void>((ok) => {
      done = ok;
    });
    const w = { sent: performance.now(), ack: 0, got: [] as number[], done };
    waiting.set(marker, w);
    await request(server.url, 'POST', '/api/v1/ingest', {
      key: server.key,
      body: JSON.stringify({ batch: [{ type: 'message', body: { sessionId, sender: 'user', content: marker } }] }),
    });
    w.ack = performance.now();
    await Promise.race([all, new Promise((r) => setTimeout(r, 10_000))]);
    waiting.delete(marker);
    if (i < 0) continue;
    missed += clients - w.got.length;
    for (const t of w.got) {
      fromSend.push(t - w.sent);
      fromAck.push(Math.max(0, t - w.ack));
    }
  }
  for (const s of sockets) s.destroy();
  return { fromSend: percentiles(fromSend), fromAck: percentiles(fromAck), missed };
}

// ─── Dashboard ───────────────────────────────────────────────────────────────────────────────

const WEB_DIR = join(ROOT, 'packages/web');
function ensureWebBuild() {
  if (existsSync(join(WEB_DIR, 'dist/index.html'))) return;
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: WEB_DIR, stdio: 'inherit' });
}

async function dashboard(server: Server) {
  const chromium = '/usr/bin/chromium';
  if (!existsSync(chromium)) return null;
  const { chromium: pw } = await import('playwright-core');
  // The flags the browser tests use. With only --no-sandbox, Debian's Chromium on this GPU-less
  // machine never showed the table: all 11 visits timed out at 60 s (2026-12-03), on the old code too.
  const browser = await pw.launch({
    executablePath: chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const login = await browser.newContext();
    const res = await login.request.post(`${server.url}/api/v1/auth/login`, { data: { key: server.key } });
    if (!res.ok()) throw new Error(`dashboard login → ${res.status()}`);
    const state = await login.storageState();
    await login.close();
    const times: number[] = [];
    const phoneTimes: number[] = [];
    let jsGzip = 0;
    // One discarded warm-up visit first, as the latency loops have: the browser's first page
    // pays for starting its renderer, which a user's running browser has done long before.
    // Every visit still starts from an empty HTTP cache. Visits alternate between a desktop
    // window (the table) and a phone's (390 × 844: the list of session cards).
    const warmups = mode === 'smoke' ? 0 : 1;
    const runs = mode === 'smoke' ? 1 : 10;
    for (let v = 0; v < 2 * (warmups + runs); v++) {
      const i = v >> 1;
      const phone = v % 2 === 1;
      // A fresh context each time: an empty HTTP cache, as on a first visit, but signed in.
      const ctx = await browser.newContext({
        storageState: state,
        viewport: phone ? { width: 390, height: 844 } : { width: 1440, height: 2200 },
      });
      const p = await ctx.newPage();
      const scripts: Promise<number>[] = [];
      p.on('response', (r) => {
        if (r.request().resourceType() === 'script')
          scripts.push(
            r
              .body()
              .then((b) => gzipSync(b).length)
              .catch(() => 0),
          );
      });
      const t = performance.now();
      await p.goto(`${server.url}/`);
      // A page that never shows its rows counts as the whole minute it was given, not as a crash.
      await p
        .locator(phone ? '[data-testid="session-card"]' : 'tbody tr')
        .nth(49)
        .waitFor({ timeout: 60_000 })
        .catch(() => log(`  !! the dashboard did not show 50 rows within 60 s${phone ? ' (phone)' : ''}`));
      if (i >= warmups) (phone ? phoneTimes : times).push(performance.now() - t);
      const sizes = await Promise.all(scripts);
      jsGzip = sizes.reduce((a, b) => a + b, 0);
      await ctx.close();
    }
    return { firstRows: percentiles(times), phoneFirstRows: percentiles(phoneTimes), jsGzipBytes: jsGzip };
  } finally {
    await browser.close();
  }
}

// ─── Reads ───────────────────────────────────────────────────────────────────────────────────

interface Probe {
  orgId: string;
  total: number;
  agentId: string;
  agentWord: string;
  channel: string;
  plan: string;
  region: string;
  idPrefix: string;
  word: string;
  words: string;
  detailId: string;
  newest: number;
}

async function probe(raw: Raw): Promise<Probe> {
  const [org] = await raw.all(`SELECT id FROM organizations WHERE name = 'default'`);
  const orgId = org.id as string;
  const [t] = await raw.all('SELECT count(*) AS n, max(started_at) AS newest FROM sessions WHERE org_id = ?', [orgId]);
  const agents = await raw.all('SELECT id, name FROM agents WHERE org_id = ? ORDER BY session_count DESC, id', [orgId]);
  const mid = agents[Math.floor(agents.length / 2)];
  // The first session with six messages or more from a third of the way in: on a cached data set
  // that earlier runs grew with short sessions, fewer than a third have six.
  const [s] = await raw.all(
    `SELECT id, pk, metadata FROM sessions WHERE org_id = ? AND message_count >= 6
       AND pk >= (SELECT pk FROM sessions WHERE org_id = ? ORDER BY pk LIMIT 1 OFFSET ?) ORDER BY pk LIMIT 1`,
    [orgId, orgId, Math.floor(Number(t.n) / 3)],
  );
  const meta = typeof s.metadata === 'string' ? JSON.parse(s.metadata) : s.metadata;
  const msgs = await raw.all('SELECT content FROM messages WHERE session_pk = ? ORDER BY seq', [s.pk]);
  const words = msgs
    .flatMap((m) =>
      String(m.content)
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u),
    )
    .filter((w) => w.length >= 6);
  return {
    orgId,
    total: Number(t.n),
    newest: Number(t.newest),
    agentId: mid.id as string,
    agentWord: String(mid.name).split(' ')[0].toLowerCase(),
    channel: 'phone',
    plan: String(meta.plan ?? 'pro'),
    region: String(meta.region ?? 'eu'),
    idPrefix: String(s.id).slice(0, 13),
    word: words.sort((a, b) => b.length - a.length)[0] ?? 'refund',
    words: words.slice(1, 3).join(' ') || 'thanks help',
    detailId: s.id as string,
  };
}

type Case = { label: string; query: Record<string, string>; raw: RawFilter; sort?: string };

function listCases(p: Probe): Case[] {
  const day = 86_400_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const end = p.newest + 1;
  return [
    { label: 'no filter', query: {}, raw: {} },
    { label: 'status=failed', query: { status: 'failed' }, raw: { statuses: ['failed'] } },
    { label: 'status=active', query: { status: 'active' }, raw: { statuses: ['active'] } },
    { label: 'channel=phone,sip', query: { channel: 'phone,sip' }, raw: { channels: ['phone', 'sip'] } },
    { label: 'type=voice', query: { type: 'voice' }, raw: { types: ['voice'] } },
    { label: 'agentId (one of 50)', query: { agentId: p.agentId }, raw: { agentIds: [p.agentId] } },
    {
      label: 'last 7 days',
      query: { from: iso(end - 7 * day), to: iso(end) },
      raw: { from: end - 7 * day, to: end },
    },
    {
      label: 'channel+status+30 days',
      query: { channel: 'web', status: 'completed', from: iso(end - 30 * day) },
      raw: { channels: ['web'], statuses: ['completed'], from: end - 30 * day },
    },
    {
      label: 'agent+channel+type+status+14 days',
      query: {
        agentId: p.agentId,
        channel: 'web,whatsapp',
        type: 'chat',
        status: 'completed',
        from: iso(end - 14 * day),
      },
      raw: {
        agentIds: [p.agentId],
        channels: ['web', 'whatsapp'],
        types: ['chat'],
        statuses: ['completed'],
        from: end - 14 * day,
      },
    },
    { label: `metadata.plan=${p.plan}`, query: { 'metadata.plan': p.plan }, raw: { metadata: [['plan', p.plan]] } },
    { label: 'sort=-messageCount', query: { sort: '-messageCount' }, raw: {}, sort: '-messageCount' },
    {
      label: 'status=completed sort=durationSeconds',
      query: { status: 'completed', sort: 'durationSeconds' },
      raw: { statuses: ['completed'] },
      sort: 'durationSeconds',
    },
  ];
}

const SORTS: Record<string, { col: string; desc: boolean; nullable: boolean }> = {
  '-startedAt': { col: 'started_at', desc: true, nullable: false },
  '-messageCount': { col: 'message_count', desc: true, nullable: false },
  durationSeconds: { col: 'duration_ms', desc: false, nullable: true },
  '-costUsd': { col: 'cost_nanos', desc: true, nullable: false },
  '-firstResponseMs': { col: 'first_response_ms', desc: true, nullable: true },
};

const qs = (q: Record<string, string>) => new URLSearchParams(q).toString();

async function get(server: Server, path: string) {
  const r = await request(server.url, 'GET', path, { key: server.key });
  if (r.status !== 200) throw new Error(`GET ${path} → ${r.status}: ${r.body.slice(0, 300)}`);
  return r.body;
}

async function rawList(raw: Raw, orgId: string, f: RawFilter, sort = '-startedAt') {
  const count = rawCount(raw.dialect, orgId, f);
  await raw.all(count.sql, count.params);
  if (sort === '-startedAt' && keysOnly(f) && (raw.dialect === 'sqlite' || !f.search)) {
    // A common term fills its page within a short walk of the start index; a rare one does not.
    const walk = rawWalkPage(raw.dialect, orgId, f, 50);
    if ((await raw.all(walk.sql, walk.params)).length === 50) return;
  }
  const page = rawPage(raw.dialect, orgId, f, SORTS[sort], 50);
  await raw.all(page.sql, page.params);
}

/** The cursor the server would hand out for the page after row `n - 1` (keyset v, k). */
function cursorFor(sort: Sort, v: number | null, k: number, n: number) {
  return encodeCursor(sessionCursorFields(sort, { value: v, pk: k }), n);
}

/**
 * Review (docs/REVIEW.md): a bulk tag of the newest 100,000 sessions (or all, when fewer) from
 * POST to the job's end, then first pages filtered by a common tag, a rare one and scores.
 */
async function review(d: Dialect, server: Server, raw: Raw, p: Probe) {
  const sec = '§10 review';
  const send = async (method: string, path: string, body?: unknown) => {
    const r = await request(server.url, method, path, {
      key: server.key,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status}: ${r.body.slice(0, 300)}`);
    return JSON.parse(r.body);
  };
  const startJob = async (filters: string, action: unknown) => {
    const t = performance.now();
    const { jobId } = await send('POST', '/api/v1/sessions/bulk', { filters, action });
    return { t, jobId: jobId as string };
  };
  const jobDone = async ({ t, jobId }: { t: number; jobId: string }) => {
    for (;;) {
      const job = await send('GET', `/api/v1/jobs/${jobId}`);
      if (job.status === 'failed') throw new Error(`bulk job failed: ${job.error}`);
      if (job.status === 'succeeded') return { ms: performance.now() - t, job };
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const runJob = async (filters: string, action: unknown) => jobDone(await startJob(filters, action));
  const n = Math.min(100_000, p.total);
  const [edge] = await raw.all(
    'SELECT started_at FROM sessions WHERE org_id = ? ORDER BY started_at DESC LIMIT 1 OFFSET ?',
    [p.orgId, n - 1],
  );
  const from = new Date(Number(edge.started_at)).toISOString();
  // Tags of this run's own (the labels say bench-common etc.): on a cached data set that an earlier
  // run tagged, the same names would make every job a no-op.
  const runTag = Date.now().toString(36);
  const tag = { common: `bench-common-${runTag}`, during: `bench-during-${runTag}`, rare: `bench-rare-${runTag}` };
  const bulk = await runJob(`from=${encodeURIComponent(from)}`, { addTags: [tag.common] });
  record({
    dialect: d,
    section: sec,
    what: `bulk tag of ${bulk.job.total.toLocaleString('en')} sessions, POST to done`,
    unit: 's',
    figure: Math.round(bulk.ms / 100) / 10,
    budget: { limit: 60 },
    detail: { job: bulk.job },
  });
  // Ingest while a bulk job runs: the ingest phase's batches (1,000 items, 4 connections) for a
  // window before a second bulk tag of the same sessions, a window while it runs and one after
  // it; the throughput while it runs against the mean of the two around it (the machine's load
  // drifts). The job's time is with that ingest running.
  const window =
    mode === 'smoke' ? { amount: 2, connections: 2 } : { seconds: mode === 'quick' ? 5 : 8, connections: 4 };
  const stamp = Date.now();
  const ingestWindow = async (name: string) => {
    const r = await ingestLoad([server], `review-${name}-${stamp}`, window);
    if (r.failed) throw new Error(`ingest beside the bulk job: ${r.failed} batches failed; first: ${r.why}`);
    return r;
  };
  const alone1 = await ingestWindow('before');
  const second = await startJob(`from=${encodeURIComponent(from)}`, { addTags: [tag.during] });
  const during = await ingestWindow('during');
  const runningAtEnd = (await send('GET', `/api/v1/jobs/${second.jobId}`)).status !== 'succeeded';
  const secondDone = await jobDone(second);
  const alone2 = await ingestWindow('after');
  if (!runningAtEnd) log('  !! the bulk job ended before the ingest window: the window is partly without it');
  const aloneRate = (alone1.itemsPerSecond + alone2.itemsPerSecond) / 2;
  record({
    dialect: d,
    section: sec,
    what: `bulk tag of ${secondDone.job.total.toLocaleString('en')} sessions with ingest running, POST to done`,
    unit: 's',
    figure: Math.round(secondDone.ms / 100) / 10,
    budget: { limit: 60 },
    detail: { job: secondDone.job },
  });
  record({
    dialect: d,
    section: sec,
    what: 'ingest items/s during that bulk job, % of without',
    unit: '%',
    figure: aloneRate > 0 ? Math.round((during.itemsPerSecond / aloneRate) * 100) : 0,
    budget: { limit: 80, atLeast: true },
    detail: {
      during: during.itemsPerSecond,
      before: alone1.itemsPerSecond,
      after: alone2.itemsPerSecond,
      latencyDuring: during.latency,
      latencyBefore: alone1.latency,
      latencyAfter: alone2.latency,
      jobRunningAtWindowEnd: runningAtEnd,
      loadAverage: os.loadavg(),
    },
  });
  // What the tag rows and their counters cost ingest (0026), at this size: short sessions (create,
  // two messages, ended) with two tags each against the same without, in alternating windows.
  const shortRate = { short: [] as number[], 'short-tagged': [] as number[] };
  for (let round = 0; round < 2; round++)
    for (const shape of ['short', 'short-tagged'] as const) {
      const r = await ingestLoad([server], `review-${shape}-${round}-${stamp}`, { ...window, shape });
      if (r.failed) throw new Error(`ingest of ${shape} batches: ${r.failed} failed; first: ${r.why}`);
      shortRate[shape].push(r.itemsPerSecond);
    }
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  record({
    dialect: d,
    section: sec,
    what: 'ingest items/s, short sessions with two tags, % of without',
    unit: '%',
    figure: Math.round((meanOf(shortRate['short-tagged']) / Math.max(1, meanOf(shortRate.short))) * 100),
    detail: { ...shortRate, loadAverage: os.loadavg() },
  });
  // A rare tag, spread over the whole time range.
  const rare = await runJob('channel=sip&status=cancelled', { addTags: [tag.rare] });
  // Scores on every 50th session, 1–5: the first hundred through `PUT /scores` (the route's own
  // path), the rest written into session_scores directly, with the session's columns and tag list
  // as writeScore copies them, which is what the filters read (one
  // request each, every one a commit, took 12 minutes at a million sessions on the shared
  // machine). The session rows' own `scores` stay as they were for those.
  const scored = await raw.all('SELECT id, pk FROM sessions WHERE org_id = ? AND pk % 50 = 0', [p.orgId]);
  // The value is the pk's fiftieth modulo 5, plus 1: every pk here is a multiple of 50, so the pk
  // itself modulo 5 would make every score 1 (as it did until 2026-12-05: the score rows then
  // matched nothing).
  for (const r of scored.slice(0, 100))
    await send('PUT', `/api/v1/sessions/${encodeURIComponent(String(r.id))}/scores/quality`, {
      value: (Math.floor(Number(r.pk) / 50) % 5) + 1,
    });
  const v = '((pk / 50) % 5) + 1';
  const value = d === 'postgres' ? `to_json(${v})` : `CAST(${v} AS TEXT)`;
  // A cached data set scored by a run before that fix gets its values again.
  await raw.all(
    `INSERT INTO session_scores (org_id, session_pk, started_at, name, value, value_text, value_num, comment, author, updated_at,
       agent_id, channel, status, type, tag_set)
     SELECT org_id, pk, started_at, 'quality', ${value}, CAST(${v} AS TEXT), ${v}, NULL,
       ${d === 'postgres' ? '\'{"type":"key","id":"bench","name":"bench"}\'::json' : `'{"type":"key","id":"bench","name":"bench"}'`}, ?,
       agent_id, channel, status, type,
       COALESCE((SELECT min(t.tag_set) FROM session_tags t WHERE t.org_id = s.org_id AND t.session_pk = s.pk
         AND t.started_at = s.started_at), '')
     FROM sessions s WHERE org_id = ? AND pk % 50 = 0 ON CONFLICT (org_id, session_pk, name) DO UPDATE
     SET value = excluded.value, value_text = excluded.value_text, value_num = excluded.value_num,
       tag_set = excluded.tag_set`,
    [Date.now(), p.orgId],
  );
  const cases = [
    { label: `tag=bench-common (${bulk.job.total} sessions)`, q: `tag=${tag.common}` },
    { label: `tag=bench-rare (${rare.job.total} sessions)`, q: `tag=${tag.rare}` },
    { label: `score.quality[gte]=4 (of ${scored.length} scored)`, q: 'score.quality%5Bgte%5D=4' },
    { label: 'score.quality=5', q: 'score.quality=5' },
    { label: 'score.quality=5&status=failed', q: 'score.quality=5&status=failed' },
    { label: 'reviewed=false&problems=true (Needs review)', q: 'reviewed=false&problems=true' },
    {
      label: 'Needs review & channel=phone',
      q: 'reviewed=false&problems=true&channel=phone',
    },
    {
      label: 'tag=bench-common&from=<30 days before the newest>',
      q: `tag=${tag.common}&from=${encodeURIComponent(new Date(p.newest - 30 * 86_400_000).toISOString())}`,
    },
    { label: 'tag=bench-common&status=failed', q: `tag=${tag.common}&status=failed` },
    { label: 'tag=bench-common,bench-rare', q: `tag=${tag.common},${tag.rare}` },
    { label: 'tag=bench-common&score.quality=5', q: `tag=${tag.common}&score.quality=5` },
    { label: 'tag=bench-common,bench-during (two 100,000 tags)', q: `tag=${tag.common},${tag.during}` },
  ];
  for (const c of cases) {
    const path = `/api/v1/sessions?${c.q}&limit=50`;
    const s = await loop(LOOP, () => get(server, path));
    record({
      dialect: d,
      section: sec,
      what: `GET /sessions first page+total: ${c.label}`,
      unit: 'ms p95',
      figure: s.p95,
      budget: budgetFor(d, 25),
      detail: { server: s },
    });
  }
}

async function reads(d: Dialect, server: Server, raw: Raw, p: Probe) {
  const sec = '§8 read';
  for (const c of listCases(p)) {
    const path = `/api/v1/sessions?${qs({ ...c.query, limit: '50' })}`;
    const body = JSON.parse(await get(server, path));
    const expected = Number((await raw.all(rawCount(d, p.orgId, c.raw).sql, rawCount(d, p.orgId, c.raw).params))[0].n);
    if (body.pagination.total !== expected) throw new Error(`${c.label}: total ${body.pagination.total} ≠ ${expected}`);
    const s = await loop(LOOP, () => get(server, path));
    const r = await loop(LOOP, () => rawList(raw, p.orgId, c.raw, c.sort));
    record({
      dialect: d,
      section: sec,
      what: `GET /sessions first page+total: ${c.label}`,
      unit: 'ms p95',
      figure: s.p95,
      raw: r.p95,
      budget: budgetFor(d, 25),
      detail: { server: s, raw: r, total: expected },
    });
  }

  // A cursor page past row 500,000 (or past the middle of a smaller set).
  const depth = Math.min(500_000, Math.floor(p.total / 2));
  const [at] = await raw.all(
    'SELECT started_at, pk FROM sessions WHERE org_id = ? ORDER BY started_at DESC, pk DESC LIMIT 1 OFFSET ?',
    [p.orgId, depth],
  );
  const cursor = cursorFor('-startedAt', Number(at.started_at), Number(at.pk), depth + 1);
  const deep = `/api/v1/sessions?limit=50&cursor=${cursor}`;
  const deepBody = JSON.parse(await get(server, deep));
  if (deepBody.data.length !== 50) throw new Error('deep cursor page is short');
  const ds = await loop(LOOP, () => get(server, deep));
  const dr = await loop(LOOP, async () => {
    const pg = rawPage(d, p.orgId, {}, SORTS['-startedAt'], 50, { value: Number(at.started_at), pk: Number(at.pk) });
    await raw.all(pg.sql, pg.params);
    const c = rawCount(d, p.orgId, {});
    await raw.all(c.sql, c.params);
  });
  record({
    dialect: d,
    section: sec,
    what: `GET /sessions cursor page past row ${depth.toLocaleString('en')}`,
    unit: 'ms p95',
    figure: ds.p95,
    raw: dr.p95,
    budget: budgetFor(d, 25),
    detail: { server: ds, raw: dr },
  });

  const searches: Case[] = [
    { label: `search=${p.agentWord} (agent name)`, query: { search: p.agentWord }, raw: { search: p.agentWord } },
    { label: 'search=<session id prefix>', query: { search: p.idPrefix }, raw: { search: p.idPrefix } },
    { label: `search=${p.region} (metadata value)`, query: { search: p.region }, raw: { search: p.region } },
    { label: `transcript=${p.word}`, query: { transcript: p.word }, raw: { transcript: [p.word] } },
    {
      label: `transcript=${p.words}`,
      query: { transcript: p.words },
      raw: { transcript: p.words.split(' ') },
    },
  ];
  for (const c of searches) {
    const path = `/api/v1/sessions?${qs({ ...c.query, limit: '50' })}`;
    const s = await loop(LOOP, () => get(server, path));
    const r = await loop(LOOP, () => rawList(raw, p.orgId, c.raw));
    const total = JSON.parse(await get(server, path)).pagination.total;
    record({
      dialect: d,
      section: sec,
      what: `GET /sessions ${c.label}`,
      unit: 'ms p95',
      figure: s.p95,
      raw: r.p95,
      budget: budgetFor(d, 100),
      detail: { server: s, raw: r, total },
    });
  }

  // The transcript itself: one session with its messages and events (no budget of its own).
  const dpath = `/api/v1/sessions/${encodeURIComponent(p.detailId)}`;
  const dsrv = await loop(LOOP, () => get(server, dpath));
  const drw = await loop(LOOP, async () => {
    const [s] = await raw.all('SELECT pk FROM sessions WHERE org_id = ? AND id = ?', [p.orgId, p.detailId]);
    await raw.all('SELECT * FROM messages WHERE session_pk = ? ORDER BY seq', [s.pk]);
    await raw.all('SELECT * FROM session_events WHERE session_pk = ? ORDER BY seq', [s.pk]);
  });
  record({
    dialect: d,
    section: sec,
    what: 'GET /sessions/:id (transcript)',
    unit: 'ms p95',
    figure: dsrv.p95,
    raw: drw.p95,
    detail: { server: dsrv, raw: drw },
  });

  const day = 86_400_000;
  const metricCases: Case[] = [
    { label: 'unfiltered', query: {}, raw: {} },
    { label: 'status=failed', query: { status: 'failed' }, raw: { statuses: ['failed'] } },
    {
      label: 'channel=phone last 7 days',
      query: { channel: 'phone', from: new Date(p.newest - 7 * day).toISOString() },
      raw: { channels: ['phone'], from: p.newest - 7 * day },
    },
    { label: 'agentId', query: { agentId: p.agentId }, raw: { agentIds: [p.agentId] } },
    { label: `metadata.plan=${p.plan}`, query: { 'metadata.plan': p.plan }, raw: { metadata: [['plan', p.plan]] } },
    { label: `search=${p.agentWord}`, query: { search: p.agentWord }, raw: { search: p.agentWord } },
    // Counted by the raw driver without its range condition: the server scans the sessions for it.
    { label: 'costUsd[gt]=0.5', query: { 'costUsd[gt]': '0.5' }, raw: {} },
  ];
  for (const c of metricCases) {
    const path = `/api/v1/sessions/metrics?${qs(c.query)}`;
    const s = await loop(LOOP, () => get(server, path));
    const r = await loop(LOOP, async () => {
      const m = rawMetrics(d, p.orgId, c.raw, Date.now() - day);
      await raw.all(m.sql, m.params);
    });
    record({
      dialect: d,
      section: sec,
      what: `GET /sessions/metrics ${c.label}`,
      unit: 'ms p95',
      figure: s.p95,
      raw: r.p95,
      budget: budgetFor(d, c.label === 'unfiltered' ? 10 : 150),
      detail: { server: s, raw: r },
    });
  }

  const month = { from: new Date(p.newest - 30 * day).toISOString(), to: new Date(p.newest + 1).toISOString() };
  const tpath = `/api/v1/sessions/timeseries?interval=day&${qs(month)}`;
  const ts = await loop(LOOP, () => get(server, tpath));
  // The raw driver: the same figures per day and first-response bucket in one grouped scan.
  const rawFigures = (group: string, where: string, params: unknown[]) => {
    const bucket = `CASE WHEN first_response_ms IS NULL THEN NULL WHEN first_response_ms < 64 THEN first_response_ms
      ELSE 64 + ${d === 'postgres' ? 'greatest(0, ceil(ln(first_response_ms::float8 / 64.0) / 0.0198 - 1e-9))::bigint' : 'CAST(max(0, ceil(ln(first_response_ms / 64.0) / 0.0198 - 1e-9)) AS INTEGER)'} END`;
    return raw.all(
      `SELECT ${group} AS g, ${bucket} AS fr, count(*) AS n, sum(duration_ms) AS d, sum(turns) AS t,
        sum(response_ms_sum) AS r, sum(CASE WHEN handoffs > 0 THEN 1 ELSE 0 END) AS h, sum(handoffs) AS hs,
        sum(CASE WHEN errors > 0 THEN 1 ELSE 0 END) AS e, sum(errors) AS es, sum(cost_nanos) AS c,
        sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS f, sum(CASE WHEN status = 'active' THEN 1 ELSE 0 END) AS a
        FROM sessions WHERE org_id = ? ${where} GROUP BY 1, 2`,
      [p.orgId, ...params],
    );
  };
  const monthWhere = ['AND started_at >= ? AND started_at < ?', [p.newest - 30 * day, p.newest + 1]] as const;
  const tr = await loop(LOOP, () => rawFigures(`(started_at / ${day}) * ${day}`, monthWhere[0], [...monthWhere[1]]));
  record({
    dialect: d,
    section: sec,
    what: 'GET /sessions/timeseries 30 days by day',
    unit: 'ms p95',
    figure: ts.p95,
    raw: tr.p95,
    budget: budgetFor(d, 100),
    detail: { server: ts, raw: tr },
  });

  // The agent performance table: over the last 30 days (a scan), and unfiltered (counters, 0012).
  for (const [label, query, where] of [
    ['30 days', month, monthWhere],
    ['unfiltered', {}, ['', []]],
  ] as const) {
    const apath = `/api/v1/agents?${qs(query)}`;
    const as = await loop(LOOP, () => get(server, apath));
    const ar = await loop(LOOP, () => rawFigures('agent_id', where[0], [...where[1]]));
    record({
      dialect: d,
      section: sec,
      what: `GET /agents ${label}`,
      unit: 'ms p95',
      figure: as.p95,
      raw: ar.p95,
      budget: label === '30 days' ? budgetFor(d, 150) : undefined,
      detail: { server: as, raw: ar },
    });
  }

  // First pages with a figure's range filter or sort, as the dashboard's insight columns ask.
  // The raw driver: the same count and page with the condition written out, in stored units.
  const rangeCases: [string, Record<string, string>, number, RawFilter, string?][] = [
    ['errors[gte]=1', { 'errors[gte]': '1' }, 25, { ranges: [['errors', '>=', 1]] }],
    ['costUsd[gt]=0.5', { 'costUsd[gt]': '0.5' }, 25, { ranges: [['cost_nanos', '>', 500_000_000]] }],
    ['sort=-costUsd', { sort: '-costUsd' }, 25, {}, '-costUsd'],
    ['sort=-firstResponseMs', { sort: '-firstResponseMs' }, 25, {}, '-firstResponseMs'],
    [
      'handoffs[gte]=1 channel=phone 30 days',
      { 'handoffs[gte]': '1', channel: 'phone', from: month.from },
      50,
      { ranges: [['handoffs', '>=', 1]], channels: ['phone'], from: Date.parse(month.from) },
    ],
  ];
  for (const [label, query, limit, rawFilter, sort] of rangeCases) {
    const path = `/api/v1/sessions?${qs({ ...query, limit: '50' })}`;
    const body = JSON.parse(await get(server, path));
    const count = rawCount(d, p.orgId, rawFilter);
    const expected = Number((await raw.all(count.sql, count.params))[0].n);
    if (body.pagination.total !== expected) throw new Error(`${label}: total ${body.pagination.total} ≠ ${expected}`);
    const s = await loop(LOOP, () => get(server, path));
    const r = await loop(LOOP, () => rawList(raw, p.orgId, rawFilter, sort));
    record({
      dialect: d,
      section: sec,
      what: `GET /sessions first page+total: ${label}`,
      unit: 'ms p95',
      figure: s.p95,
      raw: r.p95,
      budget: budgetFor(d, limit),
      detail: { server: s, raw: r },
    });
  }
}

async function exportCsv(d: Dialect, server: Server, raw: Raw, p: Probe) {
  let peak = 0;
  const before = memoryOf(server.pid);
  const sampler = setInterval(() => {
    const m = memoryOf(server.pid);
    if (m) peak = Math.max(peak, m.rssMb);
  }, 50);
  const t = performance.now();
  let lines = 0;
  await new Promise<void>((ok, fail) => {
    http
      .get(
        `${server.url}/api/v1/sessions/export?format=csv`,
        { headers: { authorization: `Bearer ${server.key}` } },
        (res) => {
          if (res.statusCode !== 200) fail(new Error(`export → ${res.statusCode}`));
          res.on('data', (b: Buffer) => {
            for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++;
          });
          res.on('end', () => ok());
          res.on('error', fail);
        },
      )
      .on('error', fail);
  });
  const seconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  const mem = memoryOf(server.pid);
  const exported = lines - 1;
  if (exported < p.total) throw new Error(`export wrote ${exported} rows of ${p.total}`);
  // The raw driver's export: the same rows and columns in keyset chunks, the same CSV formatting.
  const tr = performance.now();
  let rawRows = 0;
  let after: { value: number; pk: number } | undefined;
  for (;;) {
    const q = rawPage(d, p.orgId, {}, SORTS['-startedAt'], 5000, after, CSV_COLUMNS);
    const page = await raw.all(q.sql, q.params);
    let out = '';
    for (const r of page) out += csvRecord(r as unknown as CsvSessionRow);
    rawRows += page.length;
    if (page.length < 5000 || out.length === 0) break;
    const last = page[page.length - 1];
    after = { value: Number(last.started_at), pk: Number(last.pk) };
  }
  const rawRate = Math.round(rawRows / ((performance.now() - tr) / 1000));
  const rate = Math.round(exported / seconds);
  record({
    dialect: d,
    section: '§8 export',
    what: `export ${exported.toLocaleString('en')} sessions as CSV`,
    unit: 'rows/s',
    figure: rate,
    raw: rawRate,
    budget: budgetFor(d, 100_000, true),
    detail: { seconds },
  });
  record({
    dialect: d,
    section: '§8 export',
    what: `export: server peak RSS (VmHWM; ${before?.rssMb ?? '?'} MB before the export)`,
    unit: 'MB',
    figure: mem?.hwmMb ?? peak,
    budget: { limit: 200 },
    detail: { sampledPeakRssMb: peak, rssBeforeExportMb: before?.rssMb, hwmBeforeExportMb: before?.hwmMb },
  });
}

// ─── One store ───────────────────────────────────────────────────────────────────────────────

async function dataset(
  d: Dialect,
  cluster: PgCluster | null,
  n: number,
): Promise<{ url: string; target: string; info: DatasetInfo }> {
  const params = rowsOnly ? rowsOnlyParams(n, rowsOnlyDays) : datasetParams(n);
  if (d === 'sqlite') {
    const { file, info } = await sqliteDataset(params);
    return { url: `sqlite:${file}`, target: file, info };
  }
  const { url, info } = await pgDataset(cluster as PgCluster, params);
  return { url, target: url, info };
}

async function growthSubset(server: Server, raw: Raw, p: Probe) {
  const out: Record<string, { server: number; raw: number }> = {};
  const day = 86_400_000;
  const depth = Math.floor(p.total / 2);
  const [at] = await raw.all(
    'SELECT started_at, pk FROM sessions WHERE org_id = ? ORDER BY started_at DESC, pk DESC LIMIT 1 OFFSET ?',
    [p.orgId, depth],
  );
  const cases: [string, string, () => Promise<unknown>][] = [
    ['first page, no filter', '/api/v1/sessions?limit=50', () => rawList(raw, p.orgId, {})],
    [
      'first page, status=failed',
      '/api/v1/sessions?limit=50&status=failed',
      () => rawList(raw, p.orgId, { statuses: ['failed'] }),
    ],
    [
      'first page, last 7 days',
      `/api/v1/sessions?limit=50&from=${new Date(p.newest - 7 * day).toISOString()}`,
      () => rawList(raw, p.orgId, { from: p.newest - 7 * day }),
    ],
    [
      'cursor page at the middle',
      `/api/v1/sessions?limit=50&cursor=${cursorFor('-startedAt', Number(at.started_at), Number(at.pk), depth + 1)}`,
      async () => {
        const q = rawPage(raw.dialect, p.orgId, {}, SORTS['-startedAt'], 50, {
          value: Number(at.started_at),
          pk: Number(at.pk),
        });
        await raw.all(q.sql, q.params);
      },
    ],
    [
      'metrics unfiltered',
      '/api/v1/sessions/metrics',
      async () => {
        const m = rawMetrics(raw.dialect, p.orgId, {}, Date.now() - day);
        await raw.all(m.sql, m.params);
      },
    ],
    [
      'metrics status=failed',
      '/api/v1/sessions/metrics?status=failed',
      async () => {
        const m = rawMetrics(raw.dialect, p.orgId, { statuses: ['failed'] }, Date.now() - day);
        await raw.all(m.sql, m.params);
      },
    ],
  ];
  for (const [label, path, rawFn] of cases) {
    const s = await loop(LOOP, () => get(server, path));
    const r = await loop(LOOP, rawFn);
    out[label] = { server: s.p95, raw: r.p95 };
  }
  return out;
}

async function benchStore(d: Dialect, cluster: PgCluster | null) {
  const key = generateKey();
  log(`\n── ${d} ──`);
  // `--only ingest` needs no data set: ingest writes into fresh databases.
  if (only?.every((p) => p === 'ingest' || p === 'otlp' || p === 'redaction')) {
    if (phase('ingest')) await benchIngest(d, cluster, key);
    if (phase('otlp')) await benchOtlp(d, cluster, key);
    if (phase('redaction')) await benchRedaction(d, cluster, key);
    return {};
  }
  const main = await dataset(d, cluster, sessions);
  log(
    `  data set: ${main.info.sessions} sessions, ${main.info.messages} messages${main.info.cached ? ' (cached)' : ` (generated in ${Math.round(main.info.generatedInMs / 1000)} s)`}`,
  );

  // Export first, on a fresh server, so VmHWM is the export's peak and not the latency loops'
  // nor a migration's: a first start migrates the cached data set forward, then it restarts.
  let server = await startServer(main.url, key);
  if (mode !== 'smoke') {
    await server.stop();
    server = await startServer(main.url, key);
  }
  const raw = await openRaw(d, main.target);
  const datasetRow: Record<string, unknown> = { ...main.info };
  try {
    // Inside the try: a probe that fails must not leave the server running on the data set.
    const p = await probe(raw);
    if (phase('export')) {
      log('  export …');
      await exportCsv(d, server, raw, p);
      if (mode !== 'smoke') {
        await server.stop();
        server = await startServer(main.url, key);
      }
    }
    if (phase('reads')) {
      log('  reads …');
      await reads(d, server, raw, p);
    }
    if (phase('review')) {
      log('  review …');
      await review(d, server, raw, p);
    }
    if (phase('alerts')) await benchAlerts(d, main.url, main.info.sessions);
    log('  dashboard …');
    ensureWebBuild();
    // The smoke run (CI, < 60 s) measures the bundle only; a browser start is most of a minute there.
    const dash = mode === 'smoke' || !phase('dashboard') ? null : await dashboard(server);
    record({
      dialect: d,
      section: '§8 dashboard',
      what: 'dashboard first load: gzipped JavaScript',
      unit: 'KB',
      figure: dash ? Math.round(dash.jsGzipBytes / 1024) : firstLoadJsStatic(),
      budget: { limit: 250 },
    });
    if (dash)
      record({
        dialect: d,
        section: '§8 dashboard',
        what: 'dashboard: first 50 rows on screen (Chromium)',
        unit: 'ms p95',
        figure: Math.round(dash.firstRows.p95),
        budget: budgetFor(d, 1000),
        detail: { firstRows: dash.firstRows },
      });
    if (dash)
      record({
        dialect: d,
        section: '§8 dashboard',
        what: 'dashboard: first 50 rows on screen, phone (Chromium)',
        unit: 'ms p95',
        figure: Math.round(dash.phoneFirstRows.p95),
        budget: budgetFor(d, 1000),
        detail: { firstRows: dash.phoneFirstRows },
      });
    else
      log(
        `  dashboard time to first rows: skipped (${mode === 'smoke' ? 'smoke run' : !phase('dashboard') ? 'not in --only' : 'no /usr/bin/chromium'})`,
      );
    if (growth && phase('growth')) {
      const small = await dataset(d, cluster, Math.floor(sessions / 10));
      const smallServer = await startServer(small.url, key);
      const smallRaw = await openRaw(d, small.target);
      try {
        log(`  growth: ${small.info.sessions} vs ${main.info.sessions} sessions …`);
        const a = await growthSubset(smallServer, smallRaw, await probe(smallRaw));
        const b = await growthSubset(server, raw, p);
        for (const what of Object.keys(a))
          growthRows.push({
            dialect: d,
            what,
            small: a[what].server,
            large: b[what].server,
            growth: Math.round((b[what].server / a[what].server) * 100) / 100,
            smallRaw: a[what].raw,
            largeRaw: b[what].raw,
          });
        datasetRow.growthSmall = small.info;
      } finally {
        await smallServer.stop();
        await smallRaw.close();
      }
    }
  } finally {
    await server.stop();
    await raw.close();
  }

  if (phase('alerts')) await benchAlertsIngest(d, cluster, key, main.target, main.url);
  if (phase('ingest')) await benchIngest(d, cluster, key);
  if (phase('otlp')) await benchOtlp(d, cluster, key);
  if (phase('redaction')) await benchRedaction(d, cluster, key);
  return datasetRow;
}

/**
 * The alerts benchmark's 100 rules (docs/ALERTS.md): every metric, windows from 5 minutes to a day,
 * six kinds of filter; thresholds no window reaches, so rules stay `ok` and a round writes only the
 * values it saw. Replaces the organization's rules; returns the organization.
 */
async function createBenchRules(store: ReturnType<typeof openStore>, now: number) {
  const org = await ensureDefaultOrg(store);
  await store.db.deleteFrom('alert_rules').where('org_id', '=', org.id).execute();
  const agent = (await store.db.selectFrom('agents').select('id').limit(1).executeTakeFirst())?.id ?? 'none';
  const alerts = new AlertService(store, store);
  const metrics = ALERT_METRICS;
  const windows = [300, 900, 3600, 21_600, 86_400];
  const filters = [
    '',
    'channel=phone',
    `agentId=${agent}`,
    'status=failed,completed',
    'type=voice',
    'channel=web&type=chat',
  ];
  for (let i = 0; i < 100; i++)
    await alerts.create(
      org.id,
      {
        name: `bench ${i}`,
        filters: filters[Math.floor(i / 7) % filters.length],
        metric: metrics[i % metrics.length],
        op: 'gt',
        threshold: 1e9,
        windowSeconds: windows[i % windows.length],
        cooldownSeconds: 0,
        enabled: true,
      },
      now,
    );
  return { org, alerts };
}

/**
 * One evaluation round of the 100 rules over the data set, the windows ending at the data set's
 * newest session so that they hold sessions. Rounds run one after another, as the job runs them.
 */
async function benchAlerts(d: Dialect, url: string, size: number) {
  log('  alerts …');
  const store = openStore(url);
  try {
    const newest = Number(
      (
        await store.db
          .selectFrom('sessions')
          .select((eb) => eb.fn.max('started_at').as('t'))
          .executeTakeFirstOrThrow()
      ).t,
    );
    const { org, alerts } = await createBenchRules(store, newest);
    const times: number[] = [];
    const rounds = mode === 'smoke' ? 2 : 10;
    for (let r = 0; r <= rounds; r++) {
      const started = performance.now();
      await alerts.evaluate(newest + r * 30_000);
      if (r > 0) times.push(performance.now() - started);
    }
    const pc = percentiles(times);
    record({
      dialect: d,
      section: '§11 alerts',
      what: `alerts: one evaluation round, 100 rules, ${size.toLocaleString('en')} sessions`,
      unit: 'ms p95',
      figure: Math.round(pc.p95),
      budget: budgetFor(d, 1000),
      detail: { rounds: times.map(Math.round), p50: Math.round(pc.p50), loadAverage: os.loadavg() },
    });
    await store.db.deleteFrom('alert_rules').where('org_id', '=', org.id).execute();
  } finally {
    await store.close();
  }
}

/**
 * Ingest with the evaluator running (§11: within 10 %): one server on a writable copy of the data
 * set, started with SWITCHBOARD_ALERT_INTERVAL=1 (the smallest allowed: the job then runs rounds
 * as often as it lets itself, its rest after each round being the only limit), the 100 rules over
 * windows ending at the wall clock. Runs of the consecutive batch shape alternate the rules disabled
 * (a round then reads nothing) and enabled, three each, best of each, so the database's growth
 * weighs on both alike. The rounds completed during each enabled run are counted from the rules'
 * `evaluated_at`.
 */
async function benchAlertsIngest(d: Dialect, cluster: PgCluster | null, key: string, target: string, url: string) {
  log('  ingest with the alert evaluator …');
  let copyUrl: string;
  const name = 'alerts_ingest';
  const file = join(DATA_DIR, `${name}.db`);
  if (d === 'sqlite') {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    copyFileSync(target, file);
    if (existsSync(`${target}-wal`)) copyFileSync(`${target}-wal`, `${file}-wal`);
    copyUrl = `sqlite:${file}`;
  } else copyUrl = await pgCopyDb(cluster as PgCluster, url, name);
  const store = openStore(copyUrl);
  const { org } = await createBenchRules(store, Date.now());
  const enable = (on: boolean) =>
    store.db
      .updateTable('alert_rules')
      .set({ enabled: on ? 1 : 0 })
      .where('org_id', '=', org.id)
      .execute();
  const lastRound = async () =>
    Number(
      (
        await store.db
          .selectFrom('alert_rules')
          .select((eb) => eb.fn.max('evaluated_at').as('t'))
          .where('org_id', '=', org.id)
          .executeTakeFirstOrThrow()
      ).t ?? 0,
    );
  await enable(false);
  const server = await startServer(copyUrl, key, ['--alert-interval', '1']);
  try {
    const best = { off: 0, on: 0 };
    const roundsSeen: number[] = [];
    const runs = mode === 'smoke' ? 1 : 3;
    const load =
      mode === 'smoke'
        ? { amount: 4, connections: 4 }
        : { seconds: Math.max(5, Math.round(INGEST_SECONDS / 2)), connections: 4 };
    for (let run = 0; run < runs; run++) {
      for (const side of ['off', 'on'] as const) {
        await enable(side === 'on');
        // Rounds that have begun since the switch are sampled during the run.
        const stamps = new Set<number>();
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            stamps.add(await lastRound());
            await new Promise((r) => setTimeout(r, 200));
          }
        })();
        const before = await lastRound();
        const r = await ingestLoad([server], `alerts-${side}-${run}-${Date.now()}`, load);
        sampling = false;
        await sampler;
        if (r.failed) log(`  !! ${r.failed} batches failed with the evaluator ${side}; first: ${r.why}`);
        best[side] = Math.max(best[side], r.messagesPerSecond);
        if (side === 'on') roundsSeen.push([...stamps].filter((t) => t > before).length);
      }
    }
    await enable(false);
    const kept = Math.round((best.on / Math.max(1, best.off)) * 1000) / 10;
    record({
      dialect: d,
      section: '§11 alerts',
      what: 'POST /ingest, alert job every second (100 rules), as % of rules off',
      unit: '%',
      figure: kept,
      budget: { limit: 90, atLeast: true },
      detail: { on: best.on, off: best.off, runs, roundsPerRun: roundsSeen, loadAverage: os.loadavg() },
    });
    record({ dialect: d, section: '§11 alerts', what: '  … evaluator running', unit: 'msg/s', figure: best.on });
    record({ dialect: d, section: '§11 alerts', what: '  … rules disabled', unit: 'msg/s', figure: best.off });
  } finally {
    await server.stop();
    await store.close();
    if (d === 'sqlite') for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    else await pgDropDb(cluster as PgCluster, name);
  }
}

/**
 * Ingest of every batch shape and of single-message requests, then the live stream, each next to
 * the raw driver writing the same rows. The server's shapes run back to back (their ratios are the
 * figure the issue asks for); ingest and the stream write, so they run against fresh databases and
 * leave the cached data set untouched.
 */
async function benchIngest(d: Dialect, cluster: PgCluster | null, key: string) {
  log('  ingest …');
  const fresh = async (name: string) => {
    if (d === 'sqlite') {
      const file = join(DATA_DIR, `${name}.db`);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
      return { url: `sqlite:${file}`, target: file };
    }
    const url = await pgFreshDb(cluster as PgCluster, name);
    return { url, target: url };
  };
  /** A fresh database with the schema and its organization, written by the raw driver's `fn`. */
  const rawRun = async <T>(name: string, fn: (raw: Raw, orgId: string, workers: Raw[]) => Promise<T>) => {
    const rw = await fresh(name);
    const store = openStore(rw.url);
    await migrate(store);
    const org = await ensureDefaultOrg(store);
    await store.close();
    const rawIn = await openRaw(d, rw.target);
    const workers = d === 'postgres' ? await Promise.all([1, 2, 3, 4].map(() => openRaw(d, rw.target))) : [];
    try {
      return await fn(rawIn, org.id, workers);
    } finally {
      for (const w of [rawIn, ...workers]) await w.close();
    }
  };
  const ing = await fresh('ingest_server');
  const ingServer = await startServer(ing.url, key);
  try {
    const shapes = {} as Record<BatchShape, Awaited<ReturnType<typeof ingestThroughServer>>>;
    for (const shape of ['consecutive', 'interleaved', 'short'] as const) {
      const r = await ingestThroughServer(ingServer, `${shape}${Date.now()}`, shape);
      if (r.failed) log(`  !! ${r.failed} ${shape} batches failed (${r.badItems} refused items); first: ${r.why}`);
      shapes[shape] = r;
    }
    const single = await singleItemLoad(
      ingServer,
      `one${Date.now()}`,
      mode === 'smoke' ? { amount: 200, connections: 20 } : { seconds: INGEST_SECONDS, connections: 100 },
    );
    if (single.failed) log(`  !! ${single.failed} single-message requests failed; first: ${single.why}`);
    log('  live stream …');
    const st = await streamFanOut(ingServer, STREAM_CLIENTS, STREAM_MESSAGES);
    record({
      dialect: d,
      section: '§8 stream',
      what: `a message reaching ${STREAM_CLIENTS} open streams (send → receipt)`,
      unit: 'ms p95',
      figure: Math.round(st.fromSend.p95),
      budget: budgetFor(d, 200),
      detail: { fromSend: st.fromSend, fromAck: st.fromAck, missed: st.missed },
    });
    record({
      dialect: d,
      section: '§8 stream',
      what: '  … the same, from the ingest ack',
      unit: 'ms p95',
      figure: Math.round(st.fromAck.p95),
      detail: { missed: st.missed },
    });
    // Raw driver: the same rows into the same schema, each shape in a database of its own.
    const seconds = mode === 'smoke' ? 1 : INGEST_SECONDS;
    const rawMps = await rawRun('ingest_raw', (raw, org, workers) =>
      ingestRaw(raw, org, `raw${Date.now()}`, seconds, workers),
    );
    const rawShort = await rawRun('ingest_raw_short', (raw, org, workers) =>
      ingestRawShort(raw, org, `rawshort${Date.now()}`, seconds, workers),
    );
    const rawSingle = await rawRun('ingest_raw_single', (raw, org, workers) =>
      ingestRawSingle(raw, org, `rawone${Date.now()}`, seconds, workers),
    );
    const { consecutive: r, interleaved, short } = shapes;
    // Items per message of the consecutive shape's raw run (1,000 items carry 980 messages).
    const rawItems = Math.round((rawMps * BATCH_ITEMS.consecutive.items) / BATCH_ITEMS.consecutive.messages);
    record({
      dialect: d,
      section: '§8 ingest',
      what: 'POST /ingest, batches of 1,000, 4 connections',
      unit: 'msg/s',
      figure: r.messagesPerSecond,
      raw: rawMps,
      budget: budgetFor(d, 30_000, true),
      detail: { server: r },
    });
    record({
      dialect: d,
      section: '§9 ingest',
      what: '  … the same in items/s (session by session)',
      unit: 'items/s',
      figure: r.itemsPerSecond,
      raw: rawItems,
    });
    record({
      dialect: d,
      section: '§9 ingest',
      what: 'POST /ingest, SDK-shaped: 20 open sessions interleaved, a message of each in turn',
      unit: 'items/s',
      figure: interleaved.itemsPerSecond,
      raw: rawItems,
      detail: { server: interleaved },
    });
    record({
      dialect: d,
      section: '§9 ingest',
      what: 'POST /ingest, 250 whole short sessions a batch (create, 2 messages, end)',
      unit: 'items/s',
      figure: short.itemsPerSecond,
      raw: rawShort,
      budget: budgetFor(d, 15_000, true),
      detail: { server: short },
    });
    const byItems = [r, interleaved, short].map((x) => x.itemsPerSecond);
    record({
      dialect: d,
      section: '§9 ingest',
      what: '  … the slowest shape’s share of the fastest’s items/s',
      unit: '%',
      figure: Math.round((Math.min(...byItems) / Math.max(1, ...byItems)) * 100),
      budget: { limit: 50, atLeast: true },
    });
    record({
      dialect: d,
      section: '§9 ingest',
      what: 'POST /sessions/:id/messages, one message a request, 100 connections',
      unit: 'req/s',
      figure: single.requestsPerSecond,
      raw: rawSingle,
      detail: { server: single },
    });
    record({
      dialect: d,
      section: '§8 ingest',
      what: 'ingest: share of raw driver inserts',
      unit: '%',
      figure: Math.round((r.messagesPerSecond / rawMps) * 100),
      budget: { limit: 40, atLeast: true },
    });
  } finally {
    await ingServer.stop();
  }
  if (d === 'sqlite')
    for (const n of ['ingest_server', 'ingest_raw', 'ingest_raw_short', 'ingest_raw_single'])
      for (const suffix of ['', '-wal', '-shm']) rmSync(join(DATA_DIR, `${n}.db${suffix}`), { force: true });
}

/**
 * OTLP ingest (bench/otlp.ts): GenAI spans of 2 messages each, every span repeating the
 * conversation so far as a real SDK does, next to `POST /ingest` messages/s on the same fresh
 * server in the same run. Both store each message once; OTLP also decodes protobuf, parses the
 * repeated history and skips the copies it already stored.
 */
async function benchOtlp(d: Dialect, cluster: PgCluster | null, key: string) {
  log('  OTLP ingest …');
  let url: string;
  if (d === 'sqlite') {
    const file = join(DATA_DIR, 'otlp_server.db');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    url = `sqlite:${file}`;
  } else url = await pgFreshDb(cluster as PgCluster, 'otlp_server');
  const server = await startServer(url, key);
  try {
    const ingest = await ingestThroughServer(server, `ref${Date.now()}`);
    const otlp = await otlpLoad(
      server,
      `otlp${Date.now()}`,
      mode === 'smoke' ? { amount: 4, connections: 4 } : { seconds: INGEST_SECONDS, connections: 4 },
    );
    if (otlp.failed) log(`  !! ${otlp.failed} OTLP exports failed; first: ${otlp.why}`);
    record({
      dialect: d,
      section: '§12 otlp',
      what: `POST /api/otlp/v1/traces, ${OTLP_CONVERSATIONS} conversations × ${OTLP_TURNS} GenAI spans interleaved (2 msgs each, history repeated), 4 conns`,
      unit: 'msg/s',
      figure: otlp.messagesPerSecond,
      ratio: Math.round((otlp.messagesPerSecond / Math.max(1, ingest.messagesPerSecond)) * 100) / 100,
      detail: { otlp, ingest: { messagesPerSecond: ingest.messagesPerSecond } },
    });
    // A quiet agent's exports: one conversation each (its 20 spans), 20 times the requests.
    const single = await otlpLoad(
      server,
      `otlp1-${Date.now()}`,
      mode === 'smoke'
        ? { amount: 4, connections: 4, conversations: 1 }
        : { seconds: INGEST_SECONDS, connections: 4, conversations: 1 },
    );
    if (single.failed) log(`  !! ${single.failed} OTLP exports failed; first: ${single.why}`);
    record({
      dialect: d,
      section: '§12 otlp',
      what: `  … one conversation (${OTLP_TURNS} spans) per export, 4 conns`,
      unit: 'msg/s',
      figure: single.messagesPerSecond,
      ratio: Math.round((single.messagesPerSecond / Math.max(1, ingest.messagesPerSecond)) * 100) / 100,
      detail: { otlp: single },
    });
    record({
      dialect: d,
      section: '§12 otlp',
      what: '  … POST /ingest on the same server, batches of 1,000',
      unit: 'msg/s',
      figure: ingest.messagesPerSecond,
    });
  } finally {
    await server.stop();
  }
  if (d === 'sqlite')
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(DATA_DIR, `otlp_server.db${suffix}`), { force: true });
}

/**
 * Ingest with every built-in redaction detector on against ingest with redaction off, on one
 * server and the same text (with personal data in one message of four): rounds alternate off and
 * on, so the database's growth weighs on both alike, and each side keeps its best round.
 */
async function benchRedaction(d: Dialect, cluster: PgCluster | null, key: string) {
  log('  redaction …');
  let url: string;
  if (d === 'sqlite') {
    const file = join(DATA_DIR, 'redaction_server.db');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    url = `sqlite:${file}`;
  } else url = await pgFreshDb(cluster as PgCluster, 'redaction_server');
  const server = await startServer(url, key);
  const settings = (detectors: string[]) =>
    request(server.url, 'PUT', '/api/v1/settings/redaction', {
      key: server.key,
      body: JSON.stringify({ detectors, custom: [] }),
    }).then((r) => {
      if (r.status !== 200) throw new Error(`PUT /settings/redaction: ${r.status} ${r.body}`);
    });
  try {
    const best = { off: 0, on: 0 };
    const rounds = mode === 'smoke' ? 1 : 3;
    const load =
      mode === 'smoke'
        ? { amount: 4, connections: 4, pii: true }
        : { seconds: Math.max(5, Math.round(INGEST_SECONDS / 2)), connections: 4, pii: true };
    for (let round = 0; round < rounds; round++) {
      for (const side of ['off', 'on'] as const) {
        await settings(side === 'on' ? ['email', 'phone', 'card', 'iban', 'ip', 'ssn'] : []);
        const r = await ingestLoad([server], `redact-${side}-${round}-${Date.now()}`, load);
        if (r.failed) log(`  !! ${r.failed} batches failed with redaction ${side}; first: ${r.why}`);
        best[side] = Math.max(best[side], r.messagesPerSecond);
      }
    }
    const kept = Math.round((best.on / Math.max(1, best.off)) * 1000) / 10;
    record({
      dialect: d,
      section: '§13 redaction',
      what: 'POST /ingest with every detector on, as % of redaction off (1 msg in 4 with PII)',
      unit: '%',
      figure: kept,
      budget: { limit: 85, atLeast: true },
      detail: { on: best.on, off: best.off, rounds },
    });
    record({ dialect: d, section: '§13 redaction', what: '  … every detector on', unit: 'msg/s', figure: best.on });
    record({ dialect: d, section: '§13 redaction', what: '  … redaction off', unit: 'msg/s', figure: best.off });
  } finally {
    await server.stop();
  }
  if (d === 'sqlite')
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(DATA_DIR, `redaction_server.db${suffix}`), { force: true });
}

/** Without a browser: the first load's scripts from index.html (entry and modulepreloads), gzipped. */
function firstLoadJsStatic(): number {
  const dist = join(WEB_DIR, 'dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  return Math.round(files.reduce((a, f) => a + gzipSync(readFileSync(join(dist, f))).length, 0) / 1024);
}

// ─── Report ──────────────────────────────────────────────────────────────────────────────────

function versions() {
  const out: Record<string, string> = { node: process.version };
  try {
    out.sqlite = String(
      execFileSync(
        process.execPath,
        ['-e', "console.log(new (require('better-sqlite3'))(':memory:').prepare('select sqlite_version() v').get().v)"],
        {
          cwd: join(ROOT, 'packages/server'),
        },
      ),
    ).trim();
  } catch {}
  try {
    out.postgres = String(execFileSync('bash', ['-c', 'ls /usr/lib/postgresql | sort -n | tail -1'])).trim();
  } catch {}
  return out;
}

function machine() {
  let disk = '';
  try {
    disk = String(execFileSync('bash', ['-c', `df -h ${ROOT} | tail -1 | awk '{print $1" "$2}'`])).trim();
  } catch {}
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    disk,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    ...versions(),
  };
}

function table(): string {
  const head = ['store', 'what', 'figure', 'budget', 'raw driver', 'ratio', ''];
  const lines = rows.map((r) => [
    r.dialect,
    r.what,
    `${r.figure.toLocaleString('en')} ${r.unit}`,
    r.budget ? `${r.budget.atLeast ? '≥' : '≤'} ${r.budget.limit.toLocaleString('en')}` : '',
    r.raw === undefined ? '' : r.raw.toLocaleString('en'),
    r.ratio === undefined ? '' : `${r.ratio}×`,
    r.pass === undefined ? '' : r.pass ? 'pass' : 'FAIL',
  ]);
  const all = [head, ...lines];
  const w = head.map((_, i) => Math.max(...all.map((l) => l[i].length)));
  const fmt = (l: string[]) => `| ${l.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
  let out = [fmt(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
  if (growthRows.length) {
    out += '\n\nGrowth (server p95 ms; raw driver p95 in brackets):\n';
    const g = growthRows.map((r) => [
      r.dialect,
      r.what,
      `${r.small} (${r.smallRaw})`,
      `${r.large} (${r.largeRaw})`,
      `${r.growth}×`,
    ]);
    const gh = [
      'store',
      'what',
      `${(sessions / 10).toLocaleString('en')} sessions`,
      `${sessions.toLocaleString('en')} sessions`,
      'growth',
    ];
    const ga = [gh, ...g];
    const gw = gh.map((_, i) => Math.max(...ga.map((l) => l[i].length)));
    const gf = (l: string[]) => `| ${l.map((c, i) => c.padEnd(gw[i])).join(' | ')} |`;
    out += [gf(gh), `|${gw.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...g.map(gf)].join('\n');
  }
  return out;
}

async function main() {
  const began = Date.now();
  const info: Record<string, unknown> = {};
  let cluster: PgCluster | null = null;
  try {
    for (const d of dialects) {
      if (d === 'postgres') {
        cluster = await startPgCluster();
        if (!cluster) {
          log('!!! PostgreSQL binaries not found in /usr/lib/postgresql: PostgreSQL skipped');
          continue;
        }
      }
      info[d] = await benchStore(d, cluster);
    }
  } finally {
    cluster?.stop();
  }
  const text = table();
  process.stdout.write(`\n${text}\n`);
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:]/g, '-').slice(0, 19);
  const file = join(outDir, `${stamp}${mode === 'full' ? '' : `-${mode}`}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        mode,
        sessions,
        elapsedSeconds: Math.round((Date.now() - began) / 1000),
        machine: machine(),
        datasets: info,
        rows,
        growth: growthRows,
        table: text,
      },
      null,
      2,
    ),
  );
  log(`\nwrote ${file}`);
  const failed = rows.filter((r) => r.pass === false);
  if (gate && failed.length) log(`${failed.length} row(s) over budget (see docs/PERFORMANCE.md for why)`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
