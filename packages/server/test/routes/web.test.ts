/** The dashboard's files, served by the API server at `/` with an SPA fallback. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { type TestContext, assertProblem, call, setup } from '../helpers.js';

describe('dashboard files', () => {
  let t: TestContext;
  const webDir = mkdtempSync(join(tmpdir(), 'sb-web-'));
  before(async () => {
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Switchboard</title><div id="root"></div>');
    writeFileSync(join(webDir, 'assets', 'index-abc123.js'), 'console.log(1)');
    t = await setup('sqlite', { webDir });
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

  test('the CSP media-src is exactly the recording hosts the operator allows, or none; /auth/me names them', async () => {
    const mediaSrc = (res: { headers: Record<string, unknown> }) =>
      String(res.headers['content-security-policy'])
        .split('; ')
        .find((d) => d.startsWith('media-src'));
    // The default: a recording URL in a transcript loads from nowhere.
    assert.equal(mediaSrc(await call(t.app, null, 'GET', '/sessions/abc')), "media-src 'none'");
    assert.deepEqual((await call(t.app, t.adminKey, 'GET', '/api/v1/auth/me')).json().recordingHosts, []);
    const recordingHosts = ['media.example.com', '*.cdn.example.net', '127.0.0.1:8443'];
    const app = await buildApp({ store: t.store, webDir, recordingHosts });
    try {
      assert.equal(
        mediaSrc(await call(app, null, 'GET', '/sessions/abc')),
        'media-src media.example.com *.cdn.example.net 127.0.0.1:8443',
      );
      assert.deepEqual((await call(app, t.adminKey, 'GET', '/api/v1/auth/me')).json().recordingHosts, recordingHosts);
    } finally {
      await app.close();
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
