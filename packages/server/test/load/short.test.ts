/**
 * The load test in its short form (`npm run test:load -- --short`), so CI proves on every run
 * that 100 concurrent clients mixing ingest and reads get zero errors and zero non-2xx, and that
 * 429 appears only past the quota. The long run and the 10-minute soak stay in `npm run test:load`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CITUS, freshDatabaseUrl } from '../helpers.js';

const run = promisify(execFile);

// On SQLite in `npm test`'s first half; on the Citus store, on a fresh Citus database.
test('load: 100 clients for 10 s, zero errors, zero non-2xx, quota respected', async (t) => {
  const db = CITUS ? await freshDatabaseUrl('postgres') : null;
  if (db) t.after(() => db.drop());
  const script = new URL('./run.ts', import.meta.url).pathname;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script, '--short'], {
    env: { ...process.env, ...(db ? { DATABASE_URL: db.url } : {}) },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 180_000,
  }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
    assert.fail(`load test failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  });
  console.log(stdout.trim());
  assert.match(stdout, /errors\s+0, timeouts 0, non-2xx 0/);
  assert.match(stdout, /load: OK/);
});
