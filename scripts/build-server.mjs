/**
 * Bundles the server (packages/server/src/cli.ts with the workspace packages it imports:
 * @switchboard/contracts from its TypeScript sources, @switchboard/client from its build in
 * packages/client/dist) into packages/server/dist/cli.mjs with esbuild, when the bundle is missing
 * or older than its sources. npm packages stay external: they are the server package's
 * `dependencies`, loaded from node_modules as usual.
 *
 * `npm start`, the `switchboard` command and the benchmark run the bundle: plain JavaScript needs
 * no TypeScript loader in the process, which took 40 MB of memory (the loader's worker thread) and
 * a second of start-up (measured: 164 → 124 MB at rest). The packed server package ships it, so
 * the private workspace packages never have to be installed from a registry.
 */
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { newest } from './build-web.mjs';

const root = new URL('..', import.meta.url).pathname;
export const SERVER_BUNDLE = join(root, 'packages/server/dist/cli.mjs');
/**
 * Node's flags for the server (`npm start`, the benchmark; docs/DEPLOY.md for a service). A
 * young generation of 64 MiB a half instead of 16: an ingest batch makes a few MiB of objects
 * that live until its commit, and with the default most of them were copied once or twice
 * before dying; measured on batches of short sessions, 5 % less CPU per item
 * (docs/PERFORMANCE.md). It costs at most 96 MiB more of reserved memory, used only under load.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=64'];

/** Returns false when the build failed (the caller falls back to running the sources). */
export async function ensureServerBuild({ log = console.log } = {}) {
  const sources = Math.max(
    ...[
      'packages/server/src',
      'packages/contracts/src',
      'packages/client/dist',
      'packages/server/package.json',
      'scripts/build-server.mjs',
    ].map((p) => newest(join(root, p))),
  );
  if (existsSync(SERVER_BUNDLE) && statSync(SERVER_BUNDLE).mtimeMs >= sources) return true;
  log('Building the server…');
  try {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [join(root, 'packages/server/src/cli.ts')],
      outfile: SERVER_BUNDLE,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
      // Kept in memory and renamed into place below: two processes building at once (two
      // `switchboard` commands, test files) must never run a half-written bundle.
      write: false,
      plugins: [
        {
          // npm packages are loaded from node_modules as usual; only our workspace packages,
          // which are never published, go into the bundle.
          name: 'external-packages',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (a) =>
              a.path.startsWith('@switchboard/') ? undefined : { external: true },
            );
          },
        },
      ],
    });
    // The map first: whoever sees the new bundle finds its map already there.
    const files = [...result.outputFiles].sort(
      (a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')),
    );
    for (const file of files) {
      mkdirSync(dirname(file.path), { recursive: true });
      const tmp = `${file.path}.${process.pid}.tmp`;
      writeFileSync(tmp, file.contents);
      renameSync(tmp, file.path);
    }
    return true;
  } catch (err) {
    log(`The server build failed: ${err instanceof Error ? err.message : err}`);
    return false;
  }
}

// `node scripts/build-server.mjs` (part of `npm run build`): build now if stale, fail loudly.
if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  if (!(await ensureServerBuild())) process.exit(1);
}
