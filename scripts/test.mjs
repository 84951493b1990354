#!/usr/bin/env node
/**
 * `npm test` (what CI runs): the typecheck, the linter, then every test on SQLite and on
 * PostgreSQL. Starts a throwaway PostgreSQL cluster when the binaries are installed (and says so
 * loudly when they are not), then runs node's test runner over the server, dashboard and SDK
 * suites and the benchmark's smoke test.
 *
 *   node scripts/test.mjs [--sqlite | --citus] [--quick] [file or folder …]
 *
 * Paths run only those tests (no typecheck, no lint). `--sqlite` runs SQLite only, without the
 * cluster. `--citus` runs the PostgreSQL half on a throwaway Citus cluster instead (a coordinator
 * and two workers, scripts/citus-cluster.mjs; Citus is built from ../shared/vendor the first
 * time), and not the SQLite half: the third store, which `npm test` does not run yet; without
 * paths it runs the suites that pass there (CITUS_PASSING). `--quick` leaves out the slowest
 * suites (QUICK_SKIPS below: real server processes, generated input, the demo generator, the
 * package install), for a fast inner loop:
 * `npm run test:server` is `--sqlite --quick packages/server/test`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureServerBuild } from './build-server.mjs';
import { ensureWebBuild } from './build-web.mjs';
import { startCitusCluster } from './citus-cluster.mjs';
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

/**
 * What `--quick` leaves out, each slow for a reason of its own; `npm test` runs them all. The rest
 * of the server suite takes about 80 s of CPU on SQLite, most of it each file's start-up (loading
 * the app through the TypeScript loader); these suites would add more than that again.
 */
const QUICK_SKIPS = [
  // Packs the server package and installs it into a temporary prefix (npm pack + npm install -g).
  'packages/server/test/pack.test.ts',
  // Real server processes started and stopped over and over: first start, signals, idle timeout,
  // retention, npm start; crashes mid-write; draining under load; every byte written at debug level.
  'packages/server/test/cli.test.ts',
  'packages/server/test/security/crash.test.ts',
  'packages/server/test/security/shutdown.test.ts',
  'packages/server/test/security/secrets.test.ts',
  // Several server processes on one PostgreSQL, a read replica: PostgreSQL only anyway.
  'packages/server/test/scale/',
  // 100 concurrent clients on a real server process for 10 seconds.
  'packages/server/test/load/',
  'packages/server/test/demo.test.ts',
  'packages/server/test/examples.test.ts',
  'packages/server/test/openapi-tools.test.ts',
  'packages/server/test/pack.test.ts',
  'packages/client/test/',
  // Generated input (fast-check): hostile requests for every route, arbitrary sessions through CSV.
  'packages/server/test/security/fuzz.test.ts',
  'packages/server/test/security/csv.test.ts',
  // The OpenAPI document through Spectral, Redocly, openapi-typescript and tsc: about a minute.
  'packages/server/test/openapi-tools.test.ts',
  // The examples, each run as a child process (the AI SDK agent over OTLP, the Vapi and Retell replays).
  'packages/server/test/examples.test.ts',
  // The demo generator, with its rate measured on 20,000 sessions.
  'packages/server/test/demo.test.ts',
];

/**
 * What `--citus` runs when given no paths: the suites that pass on the Citus store today (each
 * run there file by file). The rest of the suite has not been run there yet, or starts servers
 * or clusters of its own; `npm test` does not run Citus until the whole suite passes there.
 */
const CITUS_PASSING = [
  'packages/server/test/store/',
  'packages/server/test/plugins/',
  'packages/server/test/commands/',
  'packages/server/test/lib/',
  'packages/server/test/tenancy.test.ts',
  'packages/server/test/config.test.ts',
  'packages/server/test/ids.test.ts',
  'packages/server/test/http-edges.test.ts',
  'packages/server/test/openapi.test.ts',
  'packages/server/test/cli.test.ts',
  'packages/server/test/security/',
  'packages/server/test/services/webhooks/',
  'packages/server/test/scale/',
  'packages/server/test/load/',
  'packages/server/test/demo.test.ts',
  'packages/server/test/examples.test.ts',
  'packages/server/test/openapi-tools.test.ts',
  'packages/server/test/pack.test.ts',
  'packages/client/test/',
  ...[
    'agents',
    'alerts',
    'audit',
    'export',
    'health',
    'ingest',
    'insights',
    'integrations',
    'keys',
    'oidc',
    'otlp',
    'review',
    'session-tags',
    'ingest-shapes',
    'sessions-filters',
    'sessions-ingest',
    'sessions-read',
    'settings',
    'stats',
    'stream',
    'transcript',
    'users',
    'web',
    'webhooks',
  ].map((f) => `packages/server/test/routes/${f}.test.ts`),
  ...[
    'alerts',
    'group-commit',
    'idle',
    'jobs',
    'jobs-share',
    'mail',
    'outbox',
    'redaction-apply',
    'redaction',
    'webhooks',
  ].map((f) => `packages/server/test/services/${f}.test.ts`),
];

const args = process.argv.slice(2);
const sqliteOnly = args.includes('--sqlite');
const citus = args.includes('--citus');
if (sqliteOnly && citus) {
  console.error('!!! --sqlite and --citus: choose one.');
  process.exit(1);
}
const quick = args.includes('--quick');
const paths = args.filter((a) => !a.startsWith('--'));
const files = (
  paths.length
    ? paths.flatMap((a) =>
        existsSync(a) && statSync(a).isDirectory() ? collect(a).map((f) => relative(root, f)) : [a],
      )
    : [
        ...collect(join(root, 'packages/server/test')),
        ...collect(join(root, 'packages/web/test')),
        ...collect(join(root, 'packages/client/test')),
        // The benchmark in its tiny mode: proves `npm run bench` works, never gates on times.
        join(root, 'bench/smoke.test.ts'),
      ].map((f) => relative(root, f))
)
  .filter((f) => !quick || !QUICK_SKIPS.some((skip) => f.startsWith(skip)))
  .filter((f) => paths.length || !args.includes('--citus') || CITUS_PASSING.some((p) => f.startsWith(p)));
if (files.length === 0) {
  console.error('!!! No test files to run.');
  process.exit(1);
}

// The whole suite starts with the static checks: types in every package and the linter.
if (paths.length === 0) {
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

// Browser tests, the benchmark smoke test and the package test serve the built dashboard: build
// it once, up front, so no two test files race to build it.
if (
  files.some((f) => f.includes('packages/web/test') || f.startsWith('bench') || f.includes('pack.test')) &&
  !ensureWebBuild()
) {
  console.error('!!! The dashboard build failed.');
  process.exit(1);
}

// The CLI tests, the package test and the benchmark smoke test run the server bundle `npm start`
// runs: build it once, up front, too.
if (
  files.some((f) => f.includes('cli.test') || f.includes('pack.test') || f.startsWith('bench')) &&
  !(await ensureServerBuild({ log: (m) => console.log(m) }))
) {
  console.error('!!! The server build failed.');
  process.exit(1);
}

const cluster = sqliteOnly
  ? null
  : citus
    ? await startCitusCluster({ log: (m) => console.log(m) }).catch((err) => {
        console.error(`!!! Could not start Citus: ${err.message}`);
        return null;
      })
    : await startCluster({ log: (m) => console.log(m) }).catch((err) => {
        console.error(`!!! Could not start PostgreSQL: ${err.message}`);
        return null;
      });
if (sqliteOnly) console.log('SQLite only (--sqlite): `npm test` runs every suite on PostgreSQL too.');
else if (citus && !cluster) {
  console.warn(
    '!!! SKIPPING every suite on Citus: it could not be built or started (see above; the build needs postgresql-server-dev-15 libzstd-dev liblz4-dev libkrb5-dev build-essential, and root to install).',
  );
  process.exit(0);
} else if (!cluster)
  console.warn(
    '!!! SKIPPING the PostgreSQL half of every suite: no PostgreSQL binaries in /usr/lib/postgresql (apt-get install postgresql).',
  );

const env = { ...process.env, NODE_ENV: 'test' };
if (cluster) env.SWITCHBOARD_TEST_PG_URL = cluster.url;
if (citus && cluster) {
  // The tests make each database a Citus one on every node (test/helpers.ts).
  env.SWITCHBOARD_TEST_STORE = 'citus';
  env.SWITCHBOARD_TEST_CITUS_NODES = JSON.stringify({
    coordinator: { url: cluster.coordinator.url, port: cluster.coordinator.port },
    workers: cluster.workers.map((w) => ({ url: w.url, port: w.port })),
  });
}
// Said once above; not again by every test file.
if (sqliteOnly) env.SWITCHBOARD_QUIET_SKIP = '1';

const child = spawn(
  process.execPath,
  [
    // The npm dependencies first, then the TypeScript loader (see scripts/test-preload.mjs).
    '--import',
    join(root, 'scripts/test-preload.mjs'),
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
