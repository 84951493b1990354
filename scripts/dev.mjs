#!/usr/bin/env node
/**
 * `npm run dev`: the server and the dashboard together, each reloading on change, every line of
 * their output prefixed with its name.
 *
 *   server  `switchboard serve` from the TypeScript sources (tsx) under `node --watch`: restarts
 *           when a file it imports changes (server, contracts, the SDK's build)
 *   web     Vite's dev server on http://127.0.0.1:5173 with hot reload, sending /api to the server
 *           (packages/web/vite.config.ts, SWITCHBOARD_API_URL)
 *
 * Arguments go to `switchboard serve`: `npm run dev -- --port 9000`, `npm run dev -- --demo`
 * (`switchboard demo`: demo data and simulated traffic). The database is ./data/switchboard.db, as
 * for `npm start`. The SDK (packages/client) is imported from its build: after changing it, run
 * `npm run build -w @switchboard/client` and both reload. Ctrl-C stops both.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const root = new URL('..', import.meta.url).pathname;
const WEB_PORT = 5173;

const args = process.argv.slice(2);
const demo = args.includes('--demo');
const serveArgs = args.filter((a) => a !== '--demo');

/** A `switchboard serve` setting as the server reads it: the flag wins over the environment. */
function setting(flag, envName, fallback) {
  for (let i = 0; i < serveArgs.length; i++) {
    if (serveArgs[i] === `--${flag}`) return serveArgs[i + 1];
    if (serveArgs[i].startsWith(`--${flag}=`)) return serveArgs[i].slice(flag.length + 3);
  }
  return process.env[envName] || fallback;
}
const host = setting('host', 'HOST', '127.0.0.1');
const apiUrl = `http://${['0.0.0.0', '::'].includes(host) ? '127.0.0.1' : host}:${setting('port', 'PORT', '8080')}`;

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const say = (text) => process.stdout.write(`${paint(1, '[dev]')}    ${text}\n`);

const children = [];
let stopping = false;

function start(name, code, command, argv, opts) {
  const child = spawn(command, argv, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  const label = paint(code, `[${name}]`.padEnd(8));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      process.stdout.write(`${label} ${line}\n`);
      // The first start prints a one-click sign-in link to the server's own port: give the same
      // link to the dashboard with hot reload.
      const key = name === 'server' && /\/login#key=(swb_\w+)/.exec(line)?.[1];
      if (key) say(`sign in to the dashboard with hot reload: http://127.0.0.1:${WEB_PORT}/login#key=${key}`);
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    say(`${name} exited (${signal ?? code}); stopping the others`);
    stop(code ?? 1);
  });
  children.push(child);
  return child;
}

function stop(code) {
  stopping = true;
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of alive) c.kill('SIGTERM');
  Promise.all(alive.map((c) => new Promise((r) => c.once('exit', r)))).then(() => process.exit(code));
}

start(
  'server',
  36,
  process.execPath,
  [
    '--watch',
    // node --watch clears the terminal on restart by default, which would take the dashboard's
    // output with it.
    '--watch-preserve-output',
    '--import',
    'tsx',
    'packages/server/src/cli.ts',
    demo ? 'demo' : 'serve',
    ...serveArgs,
  ],
  { cwd: root, env: process.env },
);
start('web', 35, process.execPath, [`${root}node_modules/.bin/vite`, '--port', String(WEB_PORT), '--strictPort'], {
  cwd: `${root}packages/web`,
  env: { ...process.env, SWITCHBOARD_API_URL: apiUrl, ...(color ? { FORCE_COLOR: '1' } : {}) },
});
say(`dashboard with hot reload on http://127.0.0.1:${WEB_PORT}, API on ${apiUrl}; Ctrl-C stops both`);

for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => stop(0));
