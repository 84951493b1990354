/**
 * Loaded by every test process before the TypeScript loader (`node --import
 * ./scripts/test-preload.mjs --import tsx …`, see scripts/test.mjs): imports the server's npm
 * dependencies while no loader hooks are registered. tsx's hooks run on a separate thread in
 * Node 20, and every module of kysely, typebox or fastify crossing it cost about a second of CPU
 * per test file; imported first, those modules are already in the module cache when our
 * TypeScript imports them, and only our own files go through the loader (measured: importing the
 * app 3.0 → 1.8 s of CPU).
 */
import { readFileSync } from 'node:fs';

const manifest = JSON.parse(readFileSync(new URL('../packages/server/package.json', import.meta.url), 'utf8'));
await Promise.all(
  Object.keys(manifest.dependencies).map((name) =>
    // A package that cannot load here fails in the test that imports it, with a better message.
    import(name).catch(() => {}),
  ),
);
