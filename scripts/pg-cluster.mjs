/**
 * A throwaway PostgreSQL cluster from the installed binaries, for tests and benchmarks: initdb
 * into a temp dir, pg_ctl on a free port, as the `postgres` user when running as root. Nothing
 * depends on a server someone started by hand.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function findPgBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root (initdb refuses root). */
function runner(bin) {
  const asRoot = process.getuid?.() === 0;
  return (cmd, args) =>
    execFileSync(
      asRoot ? 'runuser' : join(bin, cmd),
      asRoot ? ['-u', 'postgres', '--', join(bin, cmd), ...args] : args,
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
}

/** A temp folder the `postgres` user owns when we are root. */
function ownedTempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'sb-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

/** Starts the server of an initialized data folder on a free port; returns the cluster handle. */
async function startIn(bin, dir, data, log, settings = []) {
  const run = runner(bin);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    '-c max_connections=300',
    '-c shared_buffers=256MB',
    '-c synchronous_commit=on',
    '-c fsync=on',
    ...settings.map((setting) => `-c ${setting}`),
  ].join(' ');
  run('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  log(`PostgreSQL test cluster on 127.0.0.1:${port} (${data})`);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    dir,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `settings` are extra `-c name=value` server settings (the Citus cluster preloads its library
 * this way).
 */
export async function startCluster({ log = () => {}, settings = [] } = {}) {
  const bin = findPgBin();
  if (!bin) return null;
  const dir = ownedTempDir();
  const data = join(dir, 'data');
  runner(bin)('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  return startIn(bin, dir, data, log, settings);
}

/**
 * A streaming-replication hot standby of `primary` (a cluster from startCluster): a base backup
 * with `-R` (standby.signal and primary_conninfo written for us), started on its own port.
 */
export async function startReplica(primary, { log = () => {} } = {}) {
  const bin = findPgBin();
  if (!bin) return null;
  const dir = ownedTempDir();
  const data = join(dir, 'data');
  runner(bin)('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
    '-D',
    data,
    '-R',
    '-X',
    'stream',
  ]);
  return startIn(bin, dir, data, log);
}
