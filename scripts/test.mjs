#!/usr/bin/env node
/**
 * `npm test`: every test, on SQLite and on PostgreSQL. Starts a throwaway PostgreSQL cluster when
 * the binaries are installed (and says so loudly when they are not), then runs node's test
 * runner over the server and dashboard suites. Pass file paths to run only those.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureServerBuild } from './build-server.mjs';
import { ensureWebBuild } from './build-web.mjs';
import { startCluster } from './pg-cluster.mjs';

const root = new URL('..', import.meta.url).pathname;

function collect(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return collect(p);
    return name.endsWith('.test.ts') ? [p] : [];
  });
}

const args = process.argv.slice(2);
const files = args.length
  ? args.flatMap((a) => (existsSync(a) && statSync(a).isDirectory() ? collect(a).map((f) => relative(root, f)) : [a]))
  : [
      ...collect(join(root, 'packages/server/test')),
      ...collect(join(root, 'packages/web/test')),
      ...collect(join(root, 'packages/client/test')),
      // The benchmark in its tiny mode: proves `npm run bench` works, never gates on times.
      join(root, 'bench/smoke.test.ts'),
    ].map((f) => relative(root, f));

// The whole suite starts with the static checks: types in every package and the linter.
if (args.length === 0) {
  for (const [label, cmd] of [
    ['typecheck', ['run', 'typecheck']],
    ['lint', ['run', 'lint']],
  ]) {
    const r = spawnSync('npm', cmd, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      console.error(`!!! ${label} failed`);
      process.exit(1);
    }
  }
}

// Browser tests and the benchmark smoke test serve the built dashboard: build it once, up front.
if (files.some((f) => f.includes('packages/web/test') || f.startsWith('bench')) && !ensureWebBuild()) {
  console.error('!!! The dashboard build failed.');
  process.exit(1);
}

// The CLI tests and the benchmark smoke test run the server bundle `npm start` runs: build it
// once, up front, too.
if (
  files.some((f) => f.includes('cli.test') || f.startsWith('bench')) &&
  !(await ensureServerBuild({ log: (m) => console.log(m) }))
) {
  console.error('!!! The server build failed.');
  process.exit(1);
}

const cluster = await startCluster({ log: (m) => console.log(m) }).catch((err) => {
  console.error(`!!! Could not start PostgreSQL: ${err.message}`);
  return null;
});
if (!cluster)
  console.warn(
    '!!! SKIPPING the PostgreSQL half of every suite: no PostgreSQL binaries in /usr/lib/postgresql (apt-get install postgresql).',
  );

const env = { ...process.env, NODE_ENV: 'test' };
if (cluster) env.SWITCHBOARD_TEST_PG_URL = cluster.url;

const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 2}`,
    ...files,
  ],
  { cwd: root, env, stdio: 'inherit' },
);
const stop = () => cluster?.stop();
process.on('SIGINT', () => child.kill('SIGINT'));
child.on('exit', (code, signal) => {
  stop();
  process.exit(code ?? (signal ? 1 : 0));
});
