#!/usr/bin/env node
/**
 * The server package's `prepack` and `postpack` (`npm pack -w @switchboard/server`).
 *
 * prepack builds what the tarball ships: the server bundle (packages/server/dist/cli.mjs, with
 * the private workspace packages @switchboard/contracts and @switchboard/client inlined by
 * scripts/build-server.mjs) and the dashboard, copied to packages/server/dist/web, where the
 * bundle looks for it first. postpack (`--clean`) removes that copy again, so a checkout never
 * serves a stale one.
 *
 * The manifest needs no rewriting: the workspace packages and the build tools are
 * devDependencies of the server package, which `npm install <tarball>` never installs, and its
 * `dependencies` are exactly the npm packages the bundle imports (better-sqlite3 and pg among
 * them, installed for the target machine).
 */
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureServerBuild } from './build-server.mjs';
import { ensureWebBuild } from './build-web.mjs';

const root = new URL('..', import.meta.url).pathname;
const shipped = join(root, 'packages/server/dist/web');
// The API reference's standalone bundle (a devDependency), beside the server bundle, which looks
// there first: the tarball does not install @scalar/api-reference and its dependencies.
const scalar = join(root, 'packages/server/dist/scalar');
// Hoisted to the root, or kept in the server's own node_modules when another version sits there.
const scalarSource =
  [
    join(root, 'packages/server/node_modules/@scalar/api-reference/dist/browser/standalone.js'),
    join(root, 'node_modules/@scalar/api-reference/dist/browser/standalone.js'),
  ].find((p) => existsSync(p)) ?? join(root, 'node_modules/@scalar/api-reference/dist/browser/standalone.js');

rmSync(shipped, { recursive: true, force: true });
rmSync(scalar, { recursive: true, force: true });
if (!process.argv.includes('--clean')) {
  const log = (m) => console.error(m);
  if (!ensureWebBuild({ log })) {
    console.error('pack: the dashboard build failed');
    process.exit(1);
  }
  if (!(await ensureServerBuild({ log }))) {
    console.error('pack: the server build failed');
    process.exit(1);
  }
  cpSync(join(root, 'packages/web/dist'), shipped, { recursive: true });
  if (!existsSync(scalarSource)) {
    console.error('pack: @scalar/api-reference is not installed (npm install)');
    process.exit(1);
  }
  cpSync(scalarSource, join(scalar, 'standalone.js'));
}
