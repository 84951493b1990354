/**
 * The server package as someone installs it on a clean machine: `npm pack -w @switchboard/server`,
 * `npm install -g --prefix <empty folder> <tarball>`, then the installed `switchboard` command
 * from that prefix's bin/ serving the API and the dashboard on SQLite in an empty working folder.
 * Nothing of the checkout is on the installed command's path: the bundle inlines the private
 * workspace packages, and every npm dependency comes from the registry (or npm's cache).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort, until } from './security/proc.js';

const ROOT = new URL('../../..', import.meta.url).pathname;
const run = promisify(execFile);

/**
 * The environment of a user's shell: nothing from the test runner or an enclosing `npm run`
 * (npm_* settings, NODE_ENV=test) and no Switchboard settings, so every default is exercised.
 */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(npm_|SWITCHBOARD_|DATABASE_)/i.test(k) && !['NODE_ENV', 'PORT', 'HOST', 'LOG_LEVEL'].includes(k))
      env[k] = v;
  return { ...env, ...extra };
}

/**
 * better-sqlite3's install script downloads a prebuilt binary from GitHub and compiles SQLite
 * from source when it cannot (about 4 minutes of a loaded 2-core machine, where only the npm
 * registry is reachable). The test hands prebuild-install the binary the checkout's own install
 * produced instead, for the same version, Node ABI and platform, as a local prebuild: the same
 * install path a user's machine takes with the download, minus the network. prebuild-install's
 * settings file is looked up from the package's folder upwards, so one in the prefix applies to
 * this install only. Without a match (another version resolved, musl), it compiles.
 */
function offerLocalPrebuild(prefix: string, work: string) {
  const pkgJson = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string };
  const binary = join(dirname(pkgJson), 'build/Release/better_sqlite3.node');
  const glibc = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } })?.header
    ?.glibcVersionRuntime;
  if (!existsSync(binary) || (process.platform === 'linux' && !glibc)) return Promise.resolve();
  const dir = join(work, 'prebuilds');
  mkdirSync(dir);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  writeFileSync(join(prefix, '.prebuild-installrc'), `local-prebuilds=${dir}\n`);
  return run('tar', ['-czf', join(dir, name), '-C', dirname(pkgJson), 'build/Release/better_sqlite3.node']);
}

describe('npm pack → npm install -g → switchboard', () => {
  const work = mkdtempSync(join(tmpdir(), 'sb-pack-'));
  let server: ChildProcess | undefined;
  after(() => {
    server?.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  test('the tarball installs into an empty prefix and serves the API and the dashboard', {
    timeout: 15 * 60_000,
  }, async () => {
    const t0 = Date.now();
    const packed = join(work, 'packed');
    mkdirSync(packed);
    await run('npm', ['pack', '-w', '@switchboard/server', '--pack-destination', packed], {
      cwd: ROOT,
      env: cleanEnv(),
      maxBuffer: 16 << 20,
    });
    const [tarball] = readdirSync(packed).filter((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote no tarball');
    const tgz = join(packed, tarball);
    // postpack removed the dashboard copy, so the checkout keeps serving packages/web/dist.
    assert.ok(!existsSync(join(ROOT, 'packages/server/dist/web')), 'postpack left packages/server/dist/web behind');

    // What ships: the command, the bundle and the dashboard; no sources, no tests.
    const files = (await run('tar', ['-tzf', tgz], { maxBuffer: 16 << 20 })).stdout.split('\n').filter(Boolean);
    for (const f of ['package/bin/switchboard.mjs', 'package/dist/cli.mjs', 'package/dist/web/index.html'])
      assert.ok(files.includes(f), `${f} is not in the tarball`);
    assert.deepEqual(
      files.filter((f) => /^package\/(src|test)\//.test(f)),
      [],
      'sources or tests in the tarball',
    );
    // The private workspace packages are inlined in the bundle, never dependencies.
    const manifest = JSON.parse((await run('tar', ['-xzOf', tgz, 'package/package.json'])).stdout) as {
      dependencies: Record<string, string>;
    };
    assert.deepEqual(
      Object.keys(manifest.dependencies).filter((d) => d.startsWith('@switchboard/')),
      [],
      'the tarball depends on a private workspace package',
    );
    const tPacked = Date.now();

    const prefix = join(work, 'prefix');
    mkdirSync(prefix);
    await offerLocalPrebuild(prefix, work);
    await run(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        // Whatever the checkout's install already fetched comes from npm's cache.
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--allow-scripts=better-sqlite3',
        tgz,
      ],
      { cwd: work, env: cleanEnv(), maxBuffer: 16 << 20 },
    );
    const installed = join(prefix, 'lib/node_modules/@switchboard/server');
    for (const dev of ['@switchboard/contracts', '@switchboard/client', 'esbuild', 'tsx'])
      assert.ok(!existsSync(join(installed, 'node_modules', dev)), `${dev} was installed with the package`);
    const tInstalled = Date.now();

    // `switchboard serve` from the prefix's bin/, in an empty folder, with every default but the port.
    const cwd = join(work, 'home');
    mkdirSync(cwd);
    const env = cleanEnv({ PATH: `${join(prefix, 'bin')}:${process.env.PATH}` });
    const port = await freePort();
    const child = spawn('switchboard', ['serve', '--port', String(port)], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    await until(
      'switchboard serve to answer /healthz',
      async () => {
        if (child.exitCode !== null) throw new Error(`switchboard serve exited early:\n${out}`);
        return (await fetch(`${url}/healthz`).catch(() => null))?.ok;
      },
      60_000,
    );
    const key = await until(
      'the admin key in the first start output',
      () => /Admin API key[^\n]*\n\s+(swb_\w+)/.exec(out)?.[1],
    );
    assert.ok(existsSync(join(cwd, 'data/switchboard.db')), 'the default database is ./data/switchboard.db');

    // The API, on the installed better-sqlite3.
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const keys = await fetch(`${url}/api/v1/keys`, { headers: auth });
    assert.equal(keys.status, 200);
    assert.equal(((await keys.json()) as { data: unknown[] }).data.length, 1);
    const created = await fetch(`${url}/api/v1/sessions`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ id: 'packed-1', agent: { id: 'a' }, channel: 'web', type: 'chat' }),
    });
    assert.equal(created.status, 201);
    const read = await fetch(`${url}/api/v1/sessions/packed-1`, { headers: auth });
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { status: string }).status, 'active');

    // The dashboard shipped in the package, found without SWITCHBOARD_WEB_DIR: the page and its script.
    const page = await fetch(`${url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.match(html, /<div id="root">/);
    const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'no script in the dashboard page');
    const asset = await fetch(`${url}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    // The API reference's bundle ships in the package (dist/scalar), without its npm dependencies.
    const reference = await fetch(`${url}/api/docs/scalar.js`);
    assert.equal(reference.status, 200);
    assert.match(await reference.text(), /createApiReference/);

    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    server = undefined;

    const help = await run('switchboard', ['help'], { cwd, env });
    assert.match(help.stdout, /^Usage: switchboard/);
    assert.match(help.stdout, /serve\s+Start the server/);

    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(
      `pack ${s(tPacked - t0)}, install ${s(tInstalled - tPacked)}, serve and checks ${s(Date.now() - tInstalled)}`,
    );
  });
});
