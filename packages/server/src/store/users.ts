/**
 * People (0023): users, their dashboard sign-ins, one-time tokens (setup and invitations), the
 * failed sign-ins behind the lockout, and SSO round trips under way.
 */
import type { Role, User } from '@switchboard/contracts';
import type { Kysely } from 'kysely';
import { uuidv7 } from '../lib/ids.js';
import { iso, isoOrNull } from '../lib/time.js';
import type { AccountTokensTable, Database, UserRow, UserSessionsTable } from './schema.js';

type Db = Kysely<Database>;

export function userRowToApi(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: iso(row.created_at),
    lastSeenAt: isoOrNull(row.last_seen_at),
    disabledAt: isoOrNull(row.disabled_at),
    sso: row.password_hash === null,
  };
}

export async function insertUser(
  db: Db,
  u: { orgId: string; email: string; name: string; role: Role; passwordHash: string | null },
  now = Date.now(),
): Promise<UserRow> {
  const row: UserRow = {
    id: uuidv7(now),
    org_id: u.orgId,
    email: u.email,
    name: u.name,
    role: u.role,
    password_hash: u.passwordHash,
    created_at: now,
    last_seen_at: null,
    disabled_at: null,
  };
  await db.insertInto('users').values(row).execute();
  return row;
}

export async function findUser(db: Db, orgId: string, id: string) {
  return db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export async function findUserByEmail(db: Db, orgId: string, email: string) {
  return db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('email', '=', email).executeTakeFirst();
}

/** Every user with this address, across organizations (a person in two has two users). */
export async function findUsersByEmail(db: Db, email: string) {
  return db.selectFrom('users').selectAll().where('email', '=', email).orderBy('created_at').execute();
}

export async function listUsers(db: Db, orgId: string) {
  return db.selectFrom('users').selectAll().where('org_id', '=', orgId).orderBy('created_at').execute();
}

export async function countUsers(db: Db, orgId: string) {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Admins that can still sign in, so the last one is never demoted or disabled. */
export async function countActiveAdmins(db: Db, orgId: string) {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function updateUser(
  db: Db,
  orgId: string,
  id: string,
  set: { role?: Role; disabled_at?: number | null; password_hash?: string; name?: string },
) {
  await db.updateTable('users').set(set).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function touchUser(db: Db, id: string, now: number) {
  await db.updateTable('users').set({ last_seen_at: now }).where('id', '=', id).execute();
}

// ─── Sign-ins ────────────────────────────────────────────────────────────────────────────────

export async function createUserSession(
  db: Db,
  s: Omit<UserSessionsTable, 'id' | 'last_seen_at' | 'created_at'>,
  now: number,
) {
  const row: UserSessionsTable = { ...s, id: uuidv7(now), created_at: now, last_seen_at: now };
  await db.insertInto('user_sessions').values(row).execute();
  return row;
}

/** The sign-in of a cookie with its user and organization, while neither expired nor disabled. */
export async function findUserSession(db: Db, tokenHash: string, now: number) {
  return db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .innerJoin('organizations as o', 'o.id', 'u.org_id')
    .select([
      's.id as session_id',
      's.last_seen_at as session_seen_at',
      'u.id',
      'u.org_id',
      'u.email',
      'u.name',
      'u.role',
      'o.name as org_name',
    ])
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', now)
    .where('u.disabled_at', 'is', null)
    .executeTakeFirst();
}

export async function touchUserSession(db: Db, sessionId: string, userId: string, now: number) {
  await db.updateTable('user_sessions').set({ last_seen_at: now }).where('id', '=', sessionId).execute();
  await touchUser(db, userId, now);
}

export async function listUserSessions(db: Db, userId: string, now: number) {
  return db
    .selectFrom('user_sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
}

/** Ends one sign-in of this user; false when it is not theirs (or gone). */
export async function deleteUserSession(db: Db, userId: string, id: string) {
  const r = await db.deleteFrom('user_sessions').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function deleteUserSessionByToken(db: Db, tokenHash: string) {
  await db.deleteFrom('user_sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteAllUserSessions(db: Db, userId: string) {
  await db.deleteFrom('user_sessions').where('user_id', '=', userId).execute();
}

export async function deleteExpiredUserSessions(db: Db, now: number, limit: number): Promise<number> {
  const r = await db
    .deleteFrom('user_sessions')
    .where('id', 'in', (eb) => eb.selectFrom('user_sessions').select('id').where('expires_at', '<=', now).limit(limit))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

// ─── One-time tokens ─────────────────────────────────────────────────────────────────────────

export async function insertAccountToken(db: Db, t: Omit<AccountTokensTable, 'id' | 'used_at'>) {
  const row: AccountTokensTable = { ...t, id: uuidv7(t.created_at), used_at: null };
  await db.insertInto('account_tokens').values(row).execute();
  return row;
}

/**
 * Spends a token: marks it used if it is of this kind, unused and unexpired, and returns it;
 * undefined otherwise. The update is the check, so two requests with one token cannot both win.
 */
export async function spendAccountToken(db: Db, kind: AccountTokensTable['kind'], tokenHash: string, now: number) {
  const r = await db
    .updateTable('account_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('kind', '=', kind)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return undefined;
  return db.selectFrom('account_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirstOrThrow();
}

/** An unused, unexpired invitation for this address in this organization, if any. */
export async function findOpenInvitation(db: Db, orgId: string, email: string, now: number) {
  return db
    .selectFrom('account_tokens')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('kind', '=', 'invitation')
    .where('email', '=', email)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

/** Open invitations for this address in any organization (SSO sign-in of an invited person). */
export async function findOpenInvitationsAnyOrg(db: Db, email: string, now: number) {
  return db
    .selectFrom('account_tokens')
    .selectAll()
    .where('kind', '=', 'invitation')
    .where('email', '=', email)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .execute();
}

export async function markAccountTokenUsed(db: Db, id: string, now: number) {
  await db.updateTable('account_tokens').set({ used_at: now }).where('id', '=', id).execute();
}

// ─── Failed sign-ins ─────────────────────────────────────────────────────────────────────────

export async function readLoginFailures(db: Db, buckets: string[]) {
  return db.selectFrom('login_failures').selectAll().where('bucket', 'in', buckets).execute();
}

/**
 * Counts one failure in a bucket: a window of `windowMs` starts at the first failure; reaching
 * `limit` inside it locks the bucket until `lockMs` from now.
 */
export async function recordLoginFailure(
  db: Db,
  bucket: string,
  now: number,
  policy: { limit: number; windowMs: number; lockMs: number },
) {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('login_failures').selectAll().where('bucket', '=', bucket).executeTakeFirst();
    const fresh = !row || row.window_started_at <= now - policy.windowMs;
    const failures = fresh ? 1 : row.failures + 1;
    const windowStarted = fresh ? now : row.window_started_at;
    const locked = failures >= policy.limit ? now + policy.lockMs : (row?.locked_until ?? null);
    await trx
      .insertInto('login_failures')
      .values({ bucket, failures, window_started_at: windowStarted, locked_until: locked })
      .onConflict((oc) =>
        oc.column('bucket').doUpdateSet({ failures, window_started_at: windowStarted, locked_until: locked }),
      )
      .execute();
  });
}

export async function clearLoginFailures(db: Db, bucket: string) {
  await db.deleteFrom('login_failures').where('bucket', '=', bucket).execute();
}

export async function deleteStaleLoginFailures(db: Db, before: number) {
  await db
    .deleteFrom('login_failures')
    .where('window_started_at', '<', before)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', before)]))
    .execute();
}

// ─── SSO round trips ─────────────────────────────────────────────────────────────────────────

export async function insertOidcState(
  db: Db,
  s: { stateHash: string; nonce: string; codeVerifier: string },
  now: number,
  ttlMs: number,
) {
  await db
    .insertInto('oidc_states')
    .values({
      state_hash: s.stateHash,
      nonce: s.nonce,
      code_verifier: s.codeVerifier,
      created_at: now,
      expires_at: now + ttlMs,
    })
    .execute();
}

/** Takes a pending round trip once: it is deleted as it is read. */
export async function takeOidcState(db: Db, stateHash: string, now: number) {
  const row = await db.selectFrom('oidc_states').selectAll().where('state_hash', '=', stateHash).executeTakeFirst();
  if (!row) return undefined;
  const r = await db.deleteFrom('oidc_states').where('state_hash', '=', stateHash).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0 || row.expires_at <= now) return undefined;
  return row;
}
