/**
 * The key webhook secrets are sealed with (lib/secret-box.ts): `SWITCHBOARD_ENCRYPTION_KEY` when
 * set, otherwise `<data dir>/secret.key`, generated (mode 0600) at first start, so secrets are
 * encrypted by default. The key file belongs in every backup of the database (docs/DEPLOY.md):
 * without it the stored secrets cannot be opened, and every webhook's secret must be rotated.
 *
 * At each start, secrets still stored as plaintext (written before encryption was the default,
 * or while no key was set) are sealed with the key, and secrets this key cannot open are counted
 * so the operator hears of them at once rather than from failing deliveries.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from './config.js';
import { isSealed, openSecret, parseEncryptionKey, sealSecret, useEncryptionKey } from './lib/secret-box.js';
import type { Store } from './store/db.js';
import { replaceStoredSecret, storedSecrets } from './store/webhooks.js';

export const KEY_FILE = 'secret.key';

/** A configuration problem: the CLI prints its message alone and exits 2. */
export class SecretKeyError extends ConfigError {}

export interface SecretKeyOutcome {
  /** The key file in use; undefined when the key came from SWITCHBOARD_ENCRYPTION_KEY. */
  file?: string;
  /** The key file was made now (first start). */
  generated: boolean;
  /** Plaintext secrets sealed now. */
  sealed: number;
  /** Webhooks with a sealed secret this key cannot open (made with another key). */
  unreadable: number;
}

/**
 * Picks the key, makes it the one secrets are sealed and opened with, seals plaintext secrets
 * and counts those it cannot open. Refuses to generate a key over secrets sealed with a missing
 * one: that is a key file left out of a restore, or a second machine without the shared key, and
 * a fresh key would only hide it.
 */
export async function prepareSecretKey(
  store: Store,
  opts: { configured?: Buffer; dataDir: string },
): Promise<SecretKeyOutcome> {
  const rows = await storedSecrets(store.db);
  const values = rows.flatMap((r) => [
    { id: r.id, column: 'secret' as const, value: r.secret },
    ...(r.previous_secret === null ? [] : [{ id: r.id, column: 'previous_secret' as const, value: r.previous_secret }]),
  ]);
  let key = opts.configured;
  let file: string | undefined;
  let generated = false;
  if (!key) {
    file = join(opts.dataDir, KEY_FILE);
    key = readKeyFile(file);
    if (!key) {
      const locked = new Set(values.filter((v) => isSealed(v.value)).map((v) => v.id)).size;
      if (locked > 0)
        throw new SecretKeyError(
          `${file} is missing, but the secrets of ${locked} webhook(s) in the database are encrypted. Restore it from the backup made with the database, or set SWITCHBOARD_ENCRYPTION_KEY to the key they were encrypted with. If the key is lost for good, put a new one there (openssl rand -base64 32 > ${file}; chmod 600 ${file}) and rotate every webhook's secret.`,
        );
      ({ key, generated } = createKeyFile(file));
    }
  }
  useEncryptionKey(key);

  const unreadable = new Set<string>();
  let sealed = 0;
  for (const v of values) {
    if (isSealed(v.value)) {
      try {
        openSecret(v.value);
      } catch {
        unreadable.add(v.id);
      }
      continue;
    }
    await replaceStoredSecret(store.db, v.id, v.column, v.value, sealSecret(v.value));
    sealed++;
  }
  return { file, generated, sealed, unreadable: unreadable.size };
}

/** The key in `file`, or undefined when there is no such file. */
function readKeyFile(file: string): Buffer | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  // A copy restored with looser permissions is tightened: the key opens every webhook secret.
  if (statSync(file).mode & 0o077) chmodSync(file, 0o600);
  try {
    return parseEncryptionKey(text);
  } catch (err) {
    throw new SecretKeyError(`${file} ${(err as Error).message}`);
  }
}

/**
 * Writes a new random key to `file` (0600, in a 0700 folder if it makes the folder), flushed to
 * disk before it is used. It appears under its name all at once (a hard link of a finished file),
 * so processes starting together on one data dir cannot each make their own: the first link wins
 * and the others read that key.
 */
function createKeyFile(file: string): { key: Buffer; generated: boolean } {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const text = `${randomBytes(32).toString('base64')}\n`;
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: readKeyFile(file) as Buffer, generated: false };
  } finally {
    unlinkSync(tmp);
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return { key: parseEncryptionKey(text), generated: true };
}
