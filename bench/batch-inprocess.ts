/**
 * `POST /ingest`'s service (BatchService) in this process, without HTTP, on a fresh SQLite
 * database: items/s and items per CPU-second of a batch shape, and with `time` each statement's
 * time per batch. What `bench/shapes.ts` measures through the server, with the parts of the
 * server's time that are ours laid out; to compare a change, run it before and after, back to
 * back, and read the CPU column. With a PostgreSQL URL as the last argument it writes into that
 * database instead (a bench data set's, say: new sessions beside its own), and `time` times each
 * statement by its text as the driver runs it; `commit` is then the deferred triggers' time.
 *
 *   node --import tsx bench/batch-inprocess.ts <batches> [short|short-tagged|consecutive|interleaved] [time] [postgres://…]
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { ensureDefaultOrg } from '../packages/server/src/bootstrap.js';
import { BatchService } from '../packages/server/src/services/batch.js';
import { IngestService } from '../packages/server/src/services/ingest.js';
import { RedactionService } from '../packages/server/src/services/redaction.js';
import { openStore } from '../packages/server/src/store/db.js';
import { migrate } from '../packages/server/src/store/migrate.js';
import { DATA_DIR } from './dataset.js';
import { batchBody, planBatch, shortBatchBody } from './load.js';

const batches = Number(process.argv[2] ?? 40);
const shape = process.argv[3] ?? 'short';
const timing = process.argv[4] === 'time';
const pgUrl = process.argv.slice(3).find((a) => a.startsWith('postgres://'));
const times = new Map<string, { t: number; n: number }>();
const timed = (sql: string, ms: number) => {
  const k = sql.replace(/\s+/g, ' ').slice(0, 60);
  const e = times.get(k) ?? { t: 0, n: 0 };
  e.t += ms;
  e.n++;
  times.set(k, e);
};
if (timing && pgUrl) {
  // Each query's round trip, wrapped on node-postgres's Client prototype (the pool's clients).
  const C = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const orig = C.query;
  C.query = function (this: unknown, ...a: unknown[]) {
    const text = typeof a[0] === 'string' ? a[0] : ((a[0] as { text?: string })?.text ?? '?');
    const t0 = performance.now();
    const r = orig.apply(this, a);
    return r instanceof Promise ? r.finally(() => timed(text, performance.now() - t0)) : r;
  };
} else if (timing) {
  // Each statement's run, all and get, wrapped on better-sqlite3's Statement prototype and timed
  // by its SQL text (the store's statement cache hands out these same objects).
  const db0 = new SQLite(':memory:');
  const S = Object.getPrototypeOf(db0.prepare('select 1'));
  db0.close();
  for (const m of ['run', 'all', 'get']) {
    const orig = S[m];
    S[m] = function (this: { source: string }, ...a: unknown[]) {
      const t0 = performance.now();
      try {
        return orig.apply(this, a);
      } finally {
        timed(this.source, performance.now() - t0);
      }
    };
  }
}
mkdirSync(DATA_DIR, { recursive: true });
const file = join(DATA_DIR, `batch-inprocess-${process.pid}.db`);
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
const store = openStore(pgUrl ?? `sqlite:${file}`);
await migrate(store);
const org = (await ensureDefaultOrg(store)).id;
const ingest = new IngestService(store, undefined, new RedactionService(store, []));
const batch = new BatchService(store, ingest, (e) => console.error(e));
for (let round = 0; round < 2; round++) {
  times.clear();
  const bodies = Array.from({ length: batches }, (_, i) =>
    shape === 'short' || shape === 'short-tagged'
      ? shortBatchBody(`r${round}-${process.pid}-${i}`, shape === 'short-tagged')
      : batchBody(planBatch(`r${round}-${i}`), shape as 'consecutive'),
  );
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let items = 0;
  for (const body of bodies) {
    const parsed = JSON.parse(body).batch;
    const r = await batch.run(org, parsed);
    if (r.results.some((x) => x.status >= 300)) throw new Error(JSON.stringify(r.results.find((x) => x.status >= 300)));
    items += parsed.length;
  }
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `${shape} ${Math.round(items / secs)} items/s, ${Math.round(items / ((cpu.user + cpu.system) / 1e6))} items/CPU-s, ${((secs * 1000) / batches).toFixed(1)} ms/batch`,
  );
  if (timing) {
    let sum = 0;
    for (const [, v] of times) sum += v.t;
    console.log(`  SQL ${(sum / batches).toFixed(1)} ms/batch`);
    for (const [k, v] of [...times].sort((a, b) => b[1].t - a[1].t).slice(0, 14))
      console.log(`  ${(v.t / batches).toFixed(2).padStart(6)} ms  ${String(v.n / batches).padStart(5)}x  ${k}`);
  }
}
await store.close();
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
