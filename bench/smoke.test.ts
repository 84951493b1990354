/**
 * Proves `npm run bench` works end to end (data set, spawned server, every §8 row, raw driver,
 * table, JSON) in its tiny `--smoke` mode. It never gates on a time: CI machines are noisy (its
 * 10-minute bound is for a hung run; on a loaded 2-core machine it took over 3 minutes).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * `npm run bench` measures one PostgreSQL against its raw driver; on the Citus store it would only
 * repeat the PostgreSQL run on the coordinator's own databases. Citus is measured by
 * `npm run bench:scale`, one PostgreSQL against a coordinator and its workers.
 */
const ON_CITUS = process.env.SWITCHBOARD_TEST_STORE === 'citus';
if (ON_CITUS)
  console.warn(
    '!!! SKIPPING the bench smoke test on Citus: `npm run bench` measures one PostgreSQL (it runs on the postgres store); Citus rows are `npm run bench:scale`.',
  );

test('npm run bench -- --smoke produces every row on every store', {
  timeout: 600_000,
  skip: ON_CITUS && 'npm run bench measures one PostgreSQL; Citus is bench:scale',
}, async () => {
  const pg = process.env.SWITCHBOARD_TEST_PG_URL;
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', new URL('./run.ts', import.meta.url).pathname, '--smoke', '--out', join(dir, 'results')],
    {
      env: {
        ...process.env,
        SWITCHBOARD_BENCH_DATA: join(dir, 'data'),
        ...(pg ? { SWITCHBOARD_BENCH_PG_URL: pg } : {}),
      },
      maxBuffer: 16 * 1024 * 1024,
    },
  ).catch((err: Error & { stderr?: string }) => {
    throw new Error(`bench --smoke failed: ${err.message}\n${err.stderr ?? ''}`);
  });
  const [file] = readdirSync(join(dir, 'results'));
  const result = JSON.parse(readFileSync(join(dir, 'results', file), 'utf8')) as {
    rows: { dialect: string; what: string; figure: number }[];
  };
  const dialects = pg ? ['sqlite', 'postgres'] : ['sqlite'];
  for (const d of dialects) {
    const mine = result.rows.filter((r) => r.dialect === d);
    for (const what of [
      'POST /ingest',
      'first page+total',
      'cursor page',
      'search=',
      'transcript=',
      'metrics unfiltered',
      'as CSV',
      'open streams',
      'gzipped JavaScript',
      'POST /api/otlp/v1/traces',
      'one evaluation round, 100 rules',
    ])
      assert.ok(
        mine.some((r) => r.what.includes(what) && Number.isFinite(r.figure)),
        `${d}: no "${what}" row`,
      );
  }
  assert.match(stdout, /\| store +\| what/);
});
