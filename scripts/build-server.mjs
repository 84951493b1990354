/**
 * Bundles the server (packages/server/src/cli.ts with the contracts and client sources it
 * imports; npm packages stay external) into packages/server/dist/cli.mjs with esbuild, when the
 * bundle is missing or older than its sources. `npm start` and the benchmark run the bundle:
 * plain JavaScript needs no TypeScript loader in the process, which took 40 MB of memory (the
 * loader's worker thread) and a second of start-up (measured: 164 → 124 MB at rest).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { newest } from './build-web.mjs';

const root = new URL('..', import.meta.url).pathname;
export const SERVER_BUNDLE = join(root, 'packages/server/dist/cli.mjs');

/** Returns false when the build failed (the caller falls back to running the sources). */
export async function ensureServerBuild({ log = console.log } = {}) {
  const sources = Math.max(
    ...['packages/server/src', 'packages/contracts/src', 'packages/client/src', 'scripts/build-server.mjs'].map((p) =>
      newest(join(root, p)),
    ),
  );
  if (existsSync(SERVER_BUNDLE) && statSync(SERVER_BUNDLE).mtimeMs >= sources) return true;
  log('Building the server…');
  try {
    const { build } = await import('esbuild');
    await build({
      entryPoints: [join(root, 'packages/server/src/cli.ts')],
      outfile: SERVER_BUNDLE,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
      plugins: [
        {
          // npm packages are loaded from node_modules as usual; only our workspace packages,
          // which are TypeScript sources, go into the bundle.
          name: 'external-packages',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (a) =>
              a.path.startsWith('@switchboard/') ? undefined : { external: true },
            );
          },
        },
      ],
    });
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
