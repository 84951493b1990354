/**
 * The measuring side: a spawned `switchboard serve` on 127.0.0.1, a keep-alive HTTP client, a
 * latency loop with percentiles, and peak-memory sampling of the server process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFileSync } from 'node:fs';
import http from 'node:http';
// @ts-expect-error: a plain .mjs script without type declarations.
import { ensureServerBuild, SERVER_BUNDLE, SERVER_NODE_FLAGS } from '../scripts/build-server.mjs';
import { freePort, ROOT } from './dataset.js';

export interface Server {
  url: string;
  port: number;
  pid: number;
  key: string;
  stop(): Promise<void>;
}

export async function startServer(databaseUrl: string, key: string, extra: string[] = []): Promise<Server> {
  if (!(await ensureServerBuild({ log: (m: string) => process.stderr.write(`${m}\n`) })))
    throw new Error('the server bundle could not be built');
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      // SWITCHBOARD_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR" profiles the server under load.
      ...(process.env.SWITCHBOARD_BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
      // The bundle `npm start` runs, with its flags (scripts/build-server.mjs; built before the first server).
      ...SERVER_NODE_FLAGS,
      SERVER_BUNDLE,
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--database-url',
      databaseUrl,
      '--admin-key',
      key,
      // Nothing ages on the cached data set (its clock is fixed), and the benchmark measures the
      // work, not the quota: rate limits off.
      '--idle-timeout',
      '0',
      '--log-level',
      'warn',
      '--rate-limit-read',
      '0',
      '--rate-limit-ingest',
      '0',
      '--rate-limit-export',
      '0',
      // Every client is on 127.0.0.1: 1,000 streams from one address would pass the per-address cap.
      '--max-connections-per-address',
      '0',
      ...extra,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  // SWITCHBOARD_BENCH_LOG=FILE keeps the server's log (warnings and errors) for a failed run.
  const logFile = process.env.SWITCHBOARD_BENCH_LOG;
  if (logFile) child.stdout?.pipe(createWriteStream(logFile, { flags: 'a' }));
  else child.stdout?.resume();
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 600_000; // a large cached database may still be migrating forward
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
    try {
      const r = await request(url, 'GET', '/readyz');
      if (r.status === 200) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`server did not become ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    pid: child.pid as number,
    key,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export async function request(
  base: string,
  method: string,
  path: string,
  opts: { key?: string; body?: string } = {},
): Promise<{ status: number; body: string }> {
  try {
    return await requestOnce(base, method, path, opts);
  } catch (err) {
    // A kept-alive socket the server closed just as we reused it: a GET is safe to send again.
    if (method !== 'GET' || (err as { code?: string }).code !== 'ECONNRESET') throw err;
    return requestOnce(base, method, path, opts);
  }
}

function requestOnce(
  base: string,
  method: string,
  path: string,
  opts: { key?: string; body?: string },
): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const headers: Record<string, string> = {};
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(opts.body));
    }
    const req = http.request(`${base}${path}`, { method, headers, agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(opts.body);
  });
}

export interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

export function percentiles(samples: number[]): Latency {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    n: s.length,
    p50: r(at(0.5)),
    p95: r(at(0.95)),
    p99: r(at(0.99)),
    mean: r(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)),
  };
}

export interface LoopBudget {
  /** At most this many timed iterations … */
  iterations: number;
  /** … or this much time, whichever comes first (at least `minIterations`). */
  seconds: number;
  minIterations: number;
  warmup: number;
}

/** Runs `fn` in a sequential loop and returns its latency percentiles in milliseconds. */
export async function loop(budget: LoopBudget, fn: () => Promise<unknown>): Promise<Latency> {
  for (let i = 0; i < budget.warmup; i++) await fn();
  const samples: number[] = [];
  const until = performance.now() + budget.seconds * 1000;
  while (samples.length < budget.iterations && (samples.length < budget.minIterations || performance.now() < until)) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  return percentiles(samples);
}

/** Peak and current resident memory of a process, in MB, from /proc (Linux). */
export function memoryOf(pid: number): { hwmMb: number; rssMb: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(status.match(new RegExp(`${name}:\\s+(\\d+)`))?.[1] ?? 0);
    return { hwmMb: Math.round(kb('VmHWM') / 1024), rssMb: Math.round(kb('VmRSS') / 1024) };
  } catch {
    return null;
  }
}
