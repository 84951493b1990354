/**
 * Ingest by batch shape on one store, with the CPU each item cost: the server's, plus (on
 * PostgreSQL) the database's processes'. On a shared machine the wall-clock figures of
 * `npm run bench` move 2–3× between runs; CPU per item moves much less, so a change can be judged
 * by running this before and after it, back to back.
 *
 *   node --import tsx bench/shapes.ts [shapes] [batches] [pg]
 *   node --import tsx bench/shapes.ts consecutive,interleaved,short,single 24
 *   node --import tsx bench/shapes.ts consecutive,short 16 pg
 *
 * Each shape runs twice, in turn, against one fresh database: `batches` batches at 4
 * connections, or (`single`) 10 × `batches` (at least 100) single-message requests at 100
 * connections.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { generateKey } from '../packages/server/src/lib/keys.js';
import { DATA_DIR, pgFreshDb, startPgCluster } from './dataset.js';
import { startServer } from './http.js';
import { type BatchShape, ingestLoad, singleItemLoad } from './load.js';

const shapes = (process.argv[2] ?? 'consecutive,interleaved,short').split(',') as Array<BatchShape | 'single'>;
const batches = Number(process.argv[3] ?? 24);
/** Single-message requests per round: at least one per connection. */
const singles = Math.max(100, batches * 10);
const cluster = process.argv[4] === 'pg' ? await startPgCluster() : null;
const file = `${DATA_DIR}/shapes-${process.pid}.db`;
const url = cluster ? await pgFreshDb(cluster, 'shapes') : `sqlite:${file}`;
const server = await startServer(url, generateKey());

const pids = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d));
/** user + system clock ticks (1/100 s) of a process; 0 once it is gone. */
function ticks(pid: number | string) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}
/** Our PostgreSQL's postmaster and its children (other clusters on the machine are not ours). */
function postgresPids(port: number) {
  const master = pids().find((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\u0000').join(' ').includes(`-p ${port}`);
    } catch {
      return false;
    }
  });
  if (!master) return [];
  return [
    master,
    ...pids().filter((p) => {
      try {
        return readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1] === master;
      } catch {
        return false;
      }
    }),
  ];
}
const cpuSeconds = () =>
  (ticks(server.pid) + (cluster ? postgresPids(cluster.port) : []).reduce((a, p) => a + ticks(p), 0)) / 100;

try {
  const store = cluster ? 'postgres' : 'sqlite';
  for (let round = 0; round < 2; round++)
    for (const shape of shapes) {
      const cpu = cpuSeconds();
      const run = `s${round}${Date.now()}`;
      if (shape === 'single') {
        const r = await singleItemLoad(server, run, { amount: singles, connections: 100 });
        const used = cpuSeconds() - cpu;
        console.log(
          `${store} single        ${r.requestsPerSecond} req/s  ${Math.round(singles / used)} req/CPU-s  failed ${r.failed}`,
        );
        continue;
      }
      const r = await ingestLoad([server], run, { amount: batches, connections: 4, shape });
      const used = cpuSeconds() - cpu;
      console.log(
        `${store} ${shape.padEnd(12)}  ${r.itemsPerSecond} items/s  ${Math.round((batches * 1000) / used)} items/CPU-s  failed ${r.failed}${r.why ? ` (${r.why})` : ''}`,
      );
    }
} finally {
  await server.stop();
  cluster?.stop();
  if (!cluster) for (const s of ['', '-wal', '-shm']) rmSync(`${file}${s}`, { force: true });
}
