/**
 * Builds and installs the Citus extension from the vendored source (../shared/vendor, see its
 * README.md) when this machine's PostgreSQL does not have it yet. Idempotent: a second call finds
 * citus.so and returns at once. Installing writes into PostgreSQL's lib and extension folders, so
 * it needs root (or a PostgreSQL installed where we may write); when it cannot, it says why and
 * returns false, and the caller skips the Citus store loudly.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findPgBin } from './pg-cluster.mjs';

const root = new URL('..', import.meta.url).pathname;
/** Where the vendored archive lives: SWITCHBOARD_VENDOR_DIR, else ../shared/vendor next to the checkout. */
export function vendorDir() {
  if (process.env.SWITCHBOARD_VENDOR_DIR) return process.env.SWITCHBOARD_VENDOR_DIR;
  // A git worktree sits deeper than the main checkout: look up the tree for shared/vendor.
  let dir = root;
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, '..', 'shared', 'vendor');
    if (existsSync(join(candidate, 'citus-13.2.2.tar.gz'))) return candidate;
    dir = join(dir, '..');
  }
  return join(root, '..', 'shared', 'vendor');
}

/** PostgreSQL's folder of loadable modules (pg_config --pkglibdir), for the installed major. */
function pkgLibDir(bin) {
  const pgConfig = join(bin, 'pg_config');
  if (existsSync(pgConfig)) return execFileSync(pgConfig, ['--pkglibdir']).toString().trim();
  return join(dirname(bin), 'lib');
}

export function citusInstalled(bin = findPgBin()) {
  return Boolean(bin) && existsSync(join(pkgLibDir(bin), 'citus.so'));
}

/** Builds and installs Citus when missing; true when citus.so is there afterwards. */
export function ensureCitus({ log = () => {} } = {}) {
  const bin = findPgBin();
  if (!bin) {
    log('no PostgreSQL binaries in /usr/lib/postgresql');
    return false;
  }
  if (citusInstalled(bin)) return true;
  const vendor = vendorDir();
  const archive = join(vendor, 'citus-13.2.2.tar.gz');
  if (!existsSync(archive)) {
    log(`no Citus source at ${archive}`);
    return false;
  }
  const pgConfig = join(bin, 'pg_config');
  if (!existsSync(pgConfig) && !existsSync('/usr/bin/pg_config')) {
    log('no pg_config: apt-get install postgresql-server-dev-15 libzstd-dev liblz4-dev libkrb5-dev build-essential');
    return false;
  }
  const build = mkdtempSync(join(tmpdir(), 'sb-citus-build-'));
  const run = (cmd, args, cwd) => {
    const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) {
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').slice(-15).join('\n');
      throw new Error(`${cmd} ${args.join(' ')} failed:\n${out}`);
    }
  };
  try {
    log(`building Citus 13.2.2 from ${vendor} (about 90 s on 2 cores)`);
    run('tar', ['xzf', archive, '-C', build]);
    const src = join(build, readdirSync(build).find((d) => d.startsWith('citus-')) ?? 'citus-13.2.2');
    for (const patch of readdirSync(vendor).filter((f) => f.endsWith('.patch')))
      run('patch', ['-p1', '-i', join(vendor, patch)], src);
    const env = existsSync(pgConfig) ? [`PG_CONFIG=${pgConfig}`] : [];
    run('./configure', ['--without-libcurl', ...env], src);
    run('make', ['-j2'], src);
    run('make', ['install'], src);
    log('Citus installed');
  } catch (err) {
    log(err.message);
    return false;
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
  return citusInstalled(bin);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const ok = ensureCitus({ log: (m) => console.log(m) });
  console.log(ok ? 'Citus is installed.' : '!!! Citus is not installed.');
  process.exit(ok ? 0 : 1);
}
