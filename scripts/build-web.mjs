/**
 * Builds the dashboard (packages/web/dist) when the build is missing or older than its sources,
 * shared by `npm start` and `npm test` so neither serves or tests a stale dashboard, and so the
 * test files that need it never race to build it at the same time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const web = join(root, 'packages/web');

/** The newest modification time of a file or of anything below a folder (0 when missing). */
export function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

/** Returns false when the build failed (the caller decides whether that is fatal). */
export function ensureWebBuild({ log = console.log } = {}) {
  const built = join(web, 'dist/index.html');
  const sources = Math.max(
    newest(join(web, 'src')),
    newest(join(web, 'public')),
    newest(join(web, 'index.html')),
    newest(join(web, 'vite.config.ts')),
    newest(join(root, 'packages/client/dist')),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return true;
  log('Building the dashboard…');
  // NODE_ENV=test (set by the test runner) would make Vite bundle React's development build.
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: web,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  return r.status === 0;
}
