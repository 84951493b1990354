#!/usr/bin/env node
/**
 * `npm start`: builds the dashboard and the server bundle when missing or older than their
 * sources, then runs `switchboard serve` (or `switchboard demo` with `--demo`). Arguments pass through:
 * `npm start -- --port 9000`, `npm start -- --demo`.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureServerBuild, SERVER_BUNDLE, SERVER_NODE_FLAGS } from './build-server.mjs';
import { ensureWebBuild } from './build-web.mjs';

const root = new URL('..', import.meta.url).pathname;
if (!ensureWebBuild()) console.error('The dashboard build failed; starting the API without it.');
// The bundled server (plain JavaScript); the TypeScript sources through tsx if it cannot be built.
const entry = (await ensureServerBuild({ log: console.error }))
  ? [SERVER_BUNDLE]
  : ['--import', 'tsx', join(root, 'packages/server/src/cli.ts')];

const args = process.argv.slice(2);
const demo = args.includes('--demo');
const rest = args.filter((a) => a !== '--demo');
const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...entry, demo ? 'demo' : 'serve', ...rest], {
  cwd: root,
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
