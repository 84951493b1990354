/** The dashboard's files, served by the API server at `/` with an SPA fallback. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type TestContext, assertProblem, call, setup } from '../helpers.js';

describe('dashboard files', () => {
  let t: TestContext;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Switchboard</title><div id="root"></div>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    t = await setup('sqlite', { webDir: dir });
  });
  after(() => t.close());

  test('every client-side route gets index.html with a strict Content-Security-Policy', async () => {
    for (const path of ['/', '/login', '/sessions/abc', '/analytics?channel=web']) {
      const res = await call(t.app, null, 'GET', path);
      assert.equal(res.statusCode, 200, path);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /<div id="root">/);
      assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
      assert.equal(res.headers['cache-control'], 'no-cache');
    }
  });

  test('hashed assets are cached for good', async () => {
    const res = await call(t.app, null, 'GET', '/assets/index-abc123.js');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
  });

  test('unknown API routes are 404 problems, not the page', async () => {
    assertProblem(await call(t.app, t.adminKey, 'GET', '/api/v1/nope'), 404);
    assertProblem(await call(t.app, null, 'POST', '/somewhere'), 404);
  });
});
