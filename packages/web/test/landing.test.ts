/**
 * The first visit: the page's head names the sessions list's chunks, so the browser fetches them
 * while the main bundle is still arriving instead of in a second wave after it has run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ensureBuild, startServer, type TestServer } from './helpers.ts';

describe('landing on the sessions list', () => {
  let server: TestServer;

  before(async () => {
    ensureBuild();
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test('the head preloads the list page and every chunk it imports, each served', async () => {
    const html = await (await fetch(`${server.url}/`)).text();
    const preloads = [...html.matchAll(/<link rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(
      preloads.some((p) => /\/assets\/SessionsPage-[\w-]+\.js$/.test(p)),
      `no modulepreload of the SessionsPage chunk in:\n${html}`,
    );
    assert.equal(new Set(preloads).size, preloads.length, 'a chunk is preloaded twice');
    for (const p of preloads) {
      const res = await fetch(`${server.url}${p}`);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type') ?? '', /javascript/, p);
    }
  });
});
