#!/usr/bin/env node
/**
 * `npm start`: builds the dashboard when its build is missing or older than its sources, then
 * runs `switchboard serve` (or `switchboard demo` with `--demo`). Arguments pass through:
 * `npm start -- --port 9000`, `npm start -- --demo`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const web = join(root, 'packages/web');

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

const built = join(web, 'dist/index.html');
if (existsSync(join(web, 'src')) && (!existsSync(built) || statSync(built).mtimeMs < newest(join(web, 'src')))) {
  console.log('Building the dashboard…');
  const r = spawnSync('npm', ['run', 'build', '-w', '@switchboard/web'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('The dashboard build failed; starting the API without it.');
  }
}

const args = process.argv.slice(2);
const demo = args.includes('--demo');
const rest = args.filter((a) => a !== '--demo');
const child = spawn(
  process.execPath,
  ['--import', 'tsx', join(root, 'packages/server/src/cli.ts'), demo ? 'demo' : 'serve', ...rest],
  { cwd: root, stdio: 'inherit' },
);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
