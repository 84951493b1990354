/**
 * `npm run bench:scale`: 1, 2 and 3 Switchboard processes against one PostgreSQL (docs/DEPLOY.md),
 * on the benchmark's cached data set. For each count it measures ingest through every process at
 * once (and the raw figure of one process for comparison), a read mix spread over the processes
 * (first pages with totals, filtered pages, metrics), and how long a message ingested on the
 * first process takes to reach a stream open on the last one.
 *
 *   npm run bench:scale                      100,000-session data set, 15 s per load phase
 *   npm run bench:scale -- --sessions N --seconds S --processes 1,2,3 [--no-citus]
 *
 * Then the same on Citus (issue 21): a throwaway coordinator with two workers on this machine, the
 * data set generated into it, and the same ingest and read mix for each process count, printed as
 * rows of their own next to plain PostgreSQL's. Skipped loudly when Citus cannot be started.
 *
 * The load generator runs on the same machine as the servers and the database, so these are
 * figures of one machine shared three ways, not of a cluster: they show whether adding a
 * process costs or gains on the same cores, and that nothing breaks.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { generateKey } from '../packages/server/src/lib/keys.js';
import pg from 'pg';
import { createCitusDatabase, startCitusCluster } from '../scripts/citus-cluster.mjs';
import { datasetParams, fill, pgDataset, pgFreshDb, ROOT, startPgCluster } from './dataset.js';
import { type Latency, percentiles, request, type Server, startServer } from './http.js';
import { ingestLoad } from './load.js';

const argv = process.argv.slice(2);
const value = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const SESSIONS = Number(value('sessions') ?? 100_000);
const SECONDS = Number(value('seconds') ?? 15);
const COUNTS = (value('processes') ?? '1,2,3').split(',').map(Number);
const CONNECTIONS = 6;
/** `--no-citus` leaves out the Citus rows. */
const CITUS = !argv.includes('--no-citus');
const log = (m: string) => process.stderr.write(`${m}\n`);

const READS = [
  '/api/v1/sessions?limit=50',
  '/api/v1/sessions?limit=50&channel=phone,sip&status=completed',
  '/api/v1/sessions?limit=50&from=2025-12-01&to=2025-12-15&type=voice',
  '/api/v1/sessions/metrics',
  '/api/v1/sessions/metrics?channel=whatsapp',
];

async function startMany(url: string, key: string, n: number): Promise<Server[]> {
  // Started one after the other: each migrates (a no-op after the first) and warms up alone.
  const servers: Server[] = [];
  for (let i = 0; i < n; i++) servers.push(await startServer(url, key));
  return servers;
}

async function readMix(servers: Server[]) {
  let non2xx = 0;
  const results = await Promise.all(
    servers.map((s) =>
      autocannon({
        url: s.url,
        connections: Math.max(1, Math.round(CONNECTIONS / servers.length)),
        duration: SECONDS,
        headers: { authorization: `Bearer ${s.key}` },
        requests: READS.map((path) => ({
          method: 'GET',
          path,
          onResponse: (status: number) => {
            if (status !== 200) non2xx++;
          },
        })),
      }),
    ),
  );
  return {
    requestsPerSecond: Math.round(results.reduce((n, r) => n + r.requests.average, 0)),
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    errors: non2xx + results.reduce((n, r) => n + r.errors + r.timeouts, 0),
  };
}

/** Send on the first process, receive on a stream of the last: `samples` one at a time. */
async function crossProcessLatency(servers: Server[], samples: number): Promise<Latency> {
  const [first, last] = [servers[0], servers[servers.length - 1]];
  const sessionId = `scale-${randomUUID()}`;
  await request(first.url, 'POST', '/api/v1/sessions', {
    key: first.key,
    body: JSON.stringify({ id: sessionId, agent: { id: 'scale-bench' }, channel: 'web', type: 'chat' }),
  });
  let waiting: { marker: string; done: (at: number) => void } | undefined;
  const req = http.get(`${last.url}/api/v1/stream`, {
    agent: false,
    headers: { authorization: `Bearer ${last.key}`, accept: 'text/event-stream' },
  });
  await new Promise<void>((ok, fail) => {
    req.on('response', (res) => {
      if (res.statusCode !== 200) return fail(new Error(`stream answered ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (waiting && chunk.includes(waiting.marker)) waiting.done(performance.now());
      });
      ok();
    });
    req.on('error', fail);
  });
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    // Off the poll's beat, so a fan-out that only polled could not look fast by luck.
    await new Promise((r) => setTimeout(r, 20 + ((i * 137) % 300)));
    const marker = `probe-${i}-${randomUUID()}`;
    const got = new Promise<number>((done) => {
      waiting = { marker, done };
    });
    const sent = performance.now();
    await request(first.url, 'POST', `/api/v1/sessions/${sessionId}/messages`, {
      key: first.key,
      body: JSON.stringify({ messages: [{ sender: 'user', content: marker }] }),
    });
    times.push((await got) - sent);
  }
  req.destroy();
  return percentiles(times);
}

type Row = Record<string, unknown> & { store: string; processes: number };

/**
 * One row per process count on one store: ingest into a fresh database (`freshDb(n)`), then the
 * read mix on the data set (`dataUrl`), and for several processes the stream across them.
 */
async function measure(store: string, key: string, dataUrl: string, freshDb: (n: number) => Promise<string>) {
  const rows: Row[] = [];
  for (const n of COUNTS) {
    log(`\n${store}, ${n} process${n > 1 ? 'es' : ''}`);
    const ingestUrl = await freshDb(n);
    let servers = await startMany(ingestUrl, key, n);
    log('  ingest …');
    const ing = await ingestLoad(servers, `scale${n}-${Date.now()}`, { seconds: SECONDS, connections: CONNECTIONS });
    if (ing.failed) log(`  !! ${ing.failed} batches failed: ${ing.why}`);
    const stream = n > 1 ? await crossProcessLatency(servers, 40) : null;
    await Promise.all(servers.map((s) => s.stop()));
    servers = await startMany(dataUrl, key, n);
    log('  reads …');
    const reads = await readMix(servers);
    await Promise.all(servers.map((s) => s.stop()));
    const row: Row = {
      store,
      processes: n,
      ingestMessagesPerSecond: ing.messagesPerSecond,
      ingestBatchP99: ing.latency.p99,
      ingestFailed: ing.failed,
      readsPerSecond: reads.requestsPerSecond,
      readP50: reads.p50,
      readP99: reads.p99,
      readErrors: reads.errors,
      streamAcrossP50: stream?.p50 ?? null,
      streamAcrossP95: stream?.p95 ?? null,
    };
    log(`  ${JSON.stringify(row)}`);
    rows.push(row);
  }
  return rows;
}

/**
 * The Citus rows (docs/DEPLOY.md, "Past one database: Citus"): the same data set and loads on a
 * throwaway coordinator with two workers (scripts/citus-cluster.mjs) on this machine, each node
 * with the per-node settings of the plain PostgreSQL above but its 256 MB of shared buffers.
 * Skipped, loudly, when Citus cannot be built or started.
 */
async function citusRows(key: string): Promise<{ rows: Row[]; generatedInMs: number | null; skipped?: string }> {
  const citus = await startCitusCluster({
    log,
    settings: ['work_mem=32MB', 'maintenance_work_mem=256MB', 'max_wal_size=4GB'],
  }).catch((err: Error) => {
    log(`!!! Could not start Citus: ${err.message}`);
    return null;
  });
  if (!citus) {
    const why = 'Citus could not be built or started (scripts/citus-build.mjs)';
    log(`!!! SKIPPING the Citus rows: ${why}`);
    return { rows: [], generatedInMs: null, skipped: why };
  }
  try {
    const db = (name: string) => createCitusDatabase(citus.coordinator, citus.workers, name, { create: true });
    const dataUrl = await db('scale_data');
    log(`Generating the data set on Citus (${SESSIONS} sessions) …`);
    const generated = await fill(dataUrl, datasetParams(SESSIONS));
    const c = new pg.Client({ connectionString: dataUrl });
    await c.connect();
    await c.query('VACUUM (ANALYZE)');
    await c.end();
    log(`  generated in ${Math.round(generated.generatedInMs / 1000)} s`);
    const rows = await measure('citus: coordinator + 2 workers', key, dataUrl, (n) => db(`scale_ingest_${n}`));
    return { rows, generatedInMs: generated.generatedInMs };
  } finally {
    citus.stop();
  }
}

async function main() {
  const cluster = await startPgCluster();
  if (!cluster) {
    log('!!! PostgreSQL binaries not found in /usr/lib/postgresql: nothing to measure');
    process.exit(1);
  }
  const key = generateKey();
  const rows: Row[] = [];
  let pgGeneratedInMs: number | null = null;
  try {
    const { url: dataUrl, info } = await pgDataset(cluster, datasetParams(SESSIONS));
    log(`data set ${info.key}${info.cached ? ' (cached)' : ''}`);
    if (!info.cached) pgGeneratedInMs = info.generatedInMs;
    rows.push(...(await measure('postgres', key, dataUrl, (n) => pgFreshDb(cluster, `scale_ingest_${n}`))));
  } finally {
    cluster.stop();
  }
  const citus = CITUS ? await citusRows(key) : { rows: [], generatedInMs: null, skipped: '--no-citus' };
  rows.push(...citus.rows);
  const head =
    '| store | processes | ingest msg/s | batch p99 ms | reads/s | read p50 ms | read p99 ms | stream across p50 / p95 ms |';
  const lines = rows.map(
    (r) =>
      `| ${r.store} | ${r.processes} | ${r.ingestMessagesPerSecond} | ${r.ingestBatchP99} | ${r.readsPerSecond} | ${r.readP50} | ${r.readP99} | ${r.streamAcrossP50 === null ? '—' : `${Math.round(Number(r.streamAcrossP50))} / ${Math.round(Number(r.streamAcrossP95))}`} |`,
  );
  const table = [head, `|${'---|'.repeat(8)}`, ...lines].join('\n');
  process.stdout.write(`\n${table}\n`);
  if (citus.skipped) process.stdout.write(`\n!!! No Citus rows: ${citus.skipped}\n`);
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `scale-${new Date().toISOString().replace(/[:]/g, '-').slice(0, 19)}.json`);
  const cpus = os.cpus();
  writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        sessions: SESSIONS,
        seconds: SECONDS,
        connections: CONNECTIONS,
        machine: { cpus: cpus.length, model: cpus[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30) },
        // The load average as the run ended: the machine may be shared.
        loadAverage: os.loadavg(),
        dataSetGeneratedInMs: { postgres: pgGeneratedInMs, citus: citus.generatedInMs },
        citusSkipped: citus.skipped ?? null,
        rows,
        table,
      },
      null,
      2,
    ),
  );
  log(`wrote ${file}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
