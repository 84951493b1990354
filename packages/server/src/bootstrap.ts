/**
 * First start: the `default` organization, and an admin key — the exact one from
 * SWITCHBOARD_ADMIN_KEY, or, when no key exists at all, a generated one printed once and saved
 * to `<data dir>/admin.key` (mode 0600).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCOPES } from '@switchboard/contracts';
import { hashKey, isWellFormedKey } from './lib/keys.js';
import type { Store } from './store/db.js';
import { countApiKeys, createApiKey, findKeyByHash, restoreApiKey } from './store/keys.js';
import { inBootstrapTransaction } from './store/locks.js';
import { createOrg, findOrgByName } from './store/orgs.js';

const DEFAULT_ORG = 'default';

export async function ensureDefaultOrg(store: Store) {
  const found = await findOrgByName(store.db, DEFAULT_ORG);
  if (found) return found;
  try {
    return await createOrg(store.db, DEFAULT_ORG);
  } catch (err) {
    // Another process created it at the same moment.
    const again = await findOrgByName(store.db, DEFAULT_ORG);
    if (again) return again;
    throw err;
  }
}

export interface BootstrapResult {
  orgId: string;
  /** Set only when a key was generated now: the caller prints it once. */
  generatedKey?: string;
  keyFile?: string;
}

export async function bootstrap(store: Store, opts: { adminKey?: string; dataDir: string }): Promise<BootstrapResult> {
  if (opts.adminKey !== undefined && !isWellFormedKey(opts.adminKey))
    throw new Error(
      'SWITCHBOARD_ADMIN_KEY is not a well-formed Switchboard key (swb_ + 36 base62 characters + a 6-character checksum). Generate one with `switchboard keys generate`.',
    );
  // Several processes starting at once on one PostgreSQL take turns here, so the organization
  // and the admin key are made once: without it two of them would each generate and print a
  // different "first" key, or both insert SWITCHBOARD_ADMIN_KEY and one crash on the duplicate.
  return inBootstrapTransaction(store, (trx) => bootstrapIn(trx, opts));
}

async function bootstrapIn(store: Store, opts: { adminKey?: string; dataDir: string }): Promise<BootstrapResult> {
  const org = await ensureDefaultOrg(store);
  if (opts.adminKey !== undefined) {
    const existing = await findKeyByHash(store.db, hashKey(opts.adminKey));
    if (!existing) {
      await createApiKey(store.db, org.id, 'Admin (SWITCHBOARD_ADMIN_KEY)', SCOPES, opts.adminKey);
    } else if (existing.revoked_at !== null || existing.scopes !== [...SCOPES].sort().join(',')) {
      await restoreApiKey(store.db, existing.id, SCOPES);
    }
    return { orgId: org.id };
  }
  if ((await countApiKeys(store.db)) > 0) return { orgId: org.id };
  const { key } = await createApiKey(store.db, org.id, 'Admin (generated at first start)', SCOPES);
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const keyFile = join(opts.dataDir, 'admin.key');
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  return { orgId: org.id, generatedKey: key, keyFile };
}
