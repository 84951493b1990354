/**
 * Real server processes for the fault suites (crash, shutdown, secrets, load): spawn
 * `switchboard serve` on a free port, wait for /readyz, capture every byte it writes, and a
 * webhook receiver that records what it is sent. Shared so each suite reads as its scenario.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import { type AddressInfo, createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = new URL('../../src/cli.ts', import.meta.url).pathname;

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = netServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  out: () => string;
  url: string;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL if it has not exited after `ms`. */
  stop(ms?: number): Promise<void>;
}

/** A temporary data folder of its own for each PostgreSQL database (tests make a fresh one each). */
const dataDirOf = (url: string) =>
  join(tmpdir(), `sb-data-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`);

export async function serve(env: Record<string, string>, opts: { port?: number } = {}): Promise<Proc> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      SWITCHBOARD_WEB_DIR: '/nonexistent',
      // With PostgreSQL the key files would go to ./data of the checkout: instead, one folder per
      // database, so every process on it (a restart too) finds the key its secrets are sealed with.
      ...(env.DATABASE_URL?.startsWith('postgres') ? { SWITCHBOARD_DATA_DIR: dataDirOf(env.DATABASE_URL) } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  // Generous: a cold start through the TypeScript loader measured 11–16 s on a loaded 2-core
  // machine, and suites start several at once.
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited early:\n${out}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    out: () => out,
    url,
    port,
    exited,
    async stop(ms = 12_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), ms);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** An HTTP endpoint on 127.0.0.1 that records every request and answers 200 after `delayMs`. */
export async function receiver(opts: { delayMs?: number; port?: number } = {}) {
  const got: Received[] = [];
  /** Every request that arrived, answered or not. */
  const arrived: Received[] = [];
  let delayMs = opts.delayMs ?? 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      arrived.push(r);
      const answer = () => {
        // Recorded when answered: a request the sender gave up on was not delivered.
        if (res.destroyed) return;
        got.push(r);
        res.writeHead(200);
        res.end('ok');
      };
      // Unref'd: an answer still pending when the test ends must not hold the process open.
      if (delayMs > 0) setTimeout(answer, delayMs).unref();
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    arrived,
    setDelay(ms: number) {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 15_000,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** fetch with a bearer key and a JSON body. */
export async function api(
  base: string,
  key: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the route returns
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, headers: res.headers, text, json };
}
