/**
 * People and their sign-ins (docs/SECURITY.md#people-and-roles): the first admin from the first
 * start's one-time link, password sign-in with lockout, invitations, roles, disabling, and the
 * list of a person's own sign-ins. Cookies carry `u.<random>`; only its SHA-256 is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type {
  AcceptInvitationBody,
  AuthSessionList,
  CreateInvitationBody,
  Invitation,
  Role,
  SetupBody,
  UpdateUserBody,
  User,
  UserList,
} from '@switchboard/contracts';
import { ApiError, notFound } from '../lib/errors.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../lib/password.js';
import { iso } from '../lib/time.js';
import type { Store } from '../store/db.js';
import {
  clearLoginFailures,
  countActiveAdmins,
  countUsers,
  createUserSession,
  deleteAllUserSessions,
  deleteUserSession,
  deleteUserSessionByToken,
  findUser,
  findUserByEmail,
  findUsersByEmail,
  insertAccountToken,
  insertUser,
  listUserSessions,
  listUsers,
  readLoginFailures,
  recordLoginFailure,
  spendAccountToken,
  updateUser,
  userRowToApi,
} from '../store/users.js';
import type { UserRow, UserSessionsTable } from '../store/schema.js';
import type { AuditService, Principal } from './audit.js';
import type { Mailer, MailMessage } from './mail.js';
import { isUniqueViolation } from './transactions.js';

export const USER_TOKEN_PREFIX = 'u.';
export const USER_SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;
const SETUP_TTL_MS = 7 * 24 * 3600 * 1000;

export interface LockoutPolicy {
  /** Failed sign-ins of one e-mail address inside `windowMs` that lock it for `lockMs`. */
  account: number;
  /** Failed sign-ins from one client network inside `windowMs` that lock it for `lockMs`. */
  address: number;
  windowMs: number;
  lockMs: number;
}
export const DEFAULT_LOCKOUT: LockoutPolicy = { account: 10, address: 50, windowMs: 15 * 60_000, lockMs: 15 * 60_000 };

export interface SignInMeta {
  ip: string | null;
  network: string;
  userAgent: string | null;
}

export interface StartedSession {
  token: string;
  user: UserRow;
  maxAgeSeconds: number;
}

export const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** The one answer to every wrong e-mail and password pair, whether the address exists or not. */
const wrongPair = () =>
  new ApiError(401, 'unauthorized', 'The e-mail address or the password is not right.', undefined, {
    'www-authenticate': 'Bearer realm="switchboard"',
  });
const badToken = (what: string) =>
  new ApiError(
    401,
    'invalid-token',
    `This ${what} link is not valid: it was used already, has expired or is mistyped.`,
  );

function assertPassword(password: string, email: string) {
  if (password.toLowerCase().includes(email.split('@')[0].toLowerCase()) && email.split('@')[0].length >= 4)
    throw new ApiError(400, 'validation', 'password: must not contain the e-mail address', [
      { path: 'password', message: 'must not contain the e-mail address' },
    ]);
}

export class AccountService {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditService,
    private readonly opts: {
      publicUrl: string;
      lockout?: LockoutPolicy;
      /** Invitations are also e-mailed when a mail server is configured (SWITCHBOARD_SMTP_URL). */
      mailer?: Mailer;
    } = { publicUrl: '' },
  ) {}

  private get lockout() {
    return this.opts.lockout ?? DEFAULT_LOCKOUT;
  }

  /** A link to the page at `path` carrying a one-time token in its fragment (never sent to servers or logs). */
  private link(path: string, token: string, base = this.opts.publicUrl) {
    return `${base.replace(/\/$/, '')}${path}#token=${token}`;
  }

  // ─── Sign-ins ──────────────────────────────────────────────────────────────────────────────

  async startSession(user: UserRow, method: UserSessionsTable['method'], meta: SignInMeta): Promise<StartedSession> {
    const token = USER_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const now = Date.now();
    await createUserSession(
      this.store.db,
      {
        token_hash: tokenHash(token),
        user_id: user.id,
        method,
        user_agent: meta.userAgent?.slice(0, 256) ?? null,
        ip: meta.ip,
        expires_at: now + USER_SESSION_TTL_MS,
      },
      now,
    );
    return { token, user, maxAgeSeconds: USER_SESSION_TTL_MS / 1000 };
  }

  async logout(token: string) {
    await deleteUserSessionByToken(this.store.db, tokenHash(token));
  }

  /**
   * E-mail and password. Locked accounts and addresses are refused before any check, the same
   * for addresses that exist and those that do not; an unknown address is checked against a
   * dummy hash so it costs the same time; every wrong pair gets the same 401.
   */
  async login(emailIn: string, password: string, meta: SignInMeta): Promise<StartedSession> {
    const email = normalizeEmail(emailIn);
    const now = Date.now();
    const account = `acct:${tokenHash(email)}`;
    const address = `addr:${meta.network}`;
    const locks = await readLoginFailures(this.store.db, [account, address]);
    const lockedUntil = Math.max(0, ...locks.map((l) => (l.locked_until !== null ? Number(l.locked_until) : 0)));
    if (lockedUntil > now) {
      const retry = Math.ceil((lockedUntil - now) / 1000);
      throw new ApiError(
        429,
        'locked',
        `Too many failed sign-ins: signing in is locked for ${Math.ceil(retry / 60)} min. Try again later, or ask an admin.`,
        undefined,
        { 'retry-after': String(retry) },
      );
    }
    const candidates = await findUsersByEmail(this.store.db, email);
    let match: UserRow | undefined;
    if (candidates.length === 0) await verifyPassword(password, await dummyPasswordHash());
    for (const u of candidates) {
      const ok = await verifyPassword(password, u.password_hash ?? (await dummyPasswordHash()));
      if (ok && u.password_hash !== null && u.disabled_at === null && !match) match = u;
    }
    if (!match) {
      const policy = this.lockout;
      await recordLoginFailure(this.store.db, account, now, {
        limit: policy.account,
        windowMs: policy.windowMs,
        lockMs: policy.lockMs,
      });
      await recordLoginFailure(this.store.db, address, now, {
        limit: policy.address,
        windowMs: policy.windowMs,
        lockMs: policy.lockMs,
      });
      throw wrongPair();
    }
    await clearLoginFailures(this.store.db, account);
    return this.startSession(match, 'password', meta);
  }

  async listSessions(userId: string, currentSessionId: string | null): Promise<AuthSessionList> {
    const rows = await listUserSessions(this.store.db, userId, Date.now());
    return {
      data: rows.map((r) => ({
        id: r.id,
        method: r.method,
        userAgent: r.user_agent,
        ip: r.ip,
        createdAt: iso(Number(r.created_at)),
        lastSeenAt: iso(Number(r.last_seen_at)),
        expiresAt: iso(Number(r.expires_at)),
        current: r.id === currentSessionId,
      })),
    };
  }

  async revokeSession(userId: string, id: string) {
    if (!(await deleteUserSession(this.store.db, userId, id))) throw notFound('Sign-in');
  }

  // ─── First start ───────────────────────────────────────────────────────────────────────────

  /**
   * A fresh one-time link for creating the first admin, while the organization has nobody yet;
   * undefined once it has. Each start makes a new one; earlier ones stay valid until used or
   * expired (whichever link is used first creates the admin, and the rest then fail).
   */
  async issueSetupLink(orgId: string, baseUrl?: string): Promise<string | undefined> {
    if ((await countUsers(this.store.db, orgId)) > 0) return undefined;
    const token = randomBytes(24).toString('base64url');
    const now = Date.now();
    await insertAccountToken(this.store.db, {
      org_id: orgId,
      kind: 'setup',
      token_hash: tokenHash(token),
      email: null,
      role: 'admin',
      created_by: null,
      created_at: now,
      expires_at: now + SETUP_TTL_MS,
    });
    return this.link('/setup', token, baseUrl);
  }

  async setup(body: SetupBody, meta: SignInMeta): Promise<StartedSession> {
    const email = normalizeEmail(body.email);
    assertPassword(body.password, email);
    const passwordHash = await hashPassword(body.password);
    const user = await this.store.db.transaction().execute(async (trx) => {
      const t = await spendAccountToken(trx, 'setup', tokenHash(body.token), Date.now());
      if (!t) throw badToken('setup');
      if ((await countUsers(trx, t.org_id)) > 0) throw badToken('setup');
      return insertUser(trx, { orgId: t.org_id, email, name: body.name.trim(), role: 'admin', passwordHash });
    });
    await this.audit.record(user.org_id, { type: 'user', id: user.id, name: user.name }, 'user.created', user.id, {
      email,
      role: 'admin',
      via: 'setup',
    });
    return this.startSession(user, 'setup', meta);
  }

  // ─── Invitations ───────────────────────────────────────────────────────────────────────────

  async invite(orgId: string, by: Principal, body: CreateInvitationBody): Promise<Invitation> {
    const email = normalizeEmail(body.email);
    if (await findUserByEmail(this.store.db, orgId, email))
      throw new ApiError(409, 'conflict', `${email} already has an account here.`);
    const token = randomBytes(24).toString('base64url');
    const now = Date.now();
    const row = await insertAccountToken(this.store.db, {
      org_id: orgId,
      kind: 'invitation',
      token_hash: tokenHash(token),
      email,
      role: body.role,
      created_by: by.user?.id ?? by.keyId,
      created_at: now,
      expires_at: now + INVITATION_TTL_MS,
    });
    const url = this.link('/invite', token);
    const expiresAt = iso(row.expires_at);
    // Sent after the invitation exists and before the answer: whatever the mail server does, the
    // admin gets the link, and the answer says whether the person got it too.
    const mail = await this.mailInvitation(email, body.role, url, Number(row.expires_at), by);
    await this.audit.record(orgId, by, 'user.invited', row.id, { email, role: body.role, emailed: mail.emailed });
    return { id: row.id, email, role: body.role, url, expiresAt, ...mail };
  }

  private async mailInvitation(
    to: string,
    role: Role,
    url: string,
    expiresAt: number,
    by: Principal,
  ): Promise<Pick<Invitation, 'emailed' | 'emailError'>> {
    const { mailer } = this.opts;
    if (!mailer) return { emailed: false, emailError: null };
    if (!/^https?:\/\//.test(url))
      return { emailed: false, emailError: 'the link is not absolute: set SWITCHBOARD_PUBLIC_URL' };
    const result = await mailer.send(invitationMessage({ to, role, url, expiresAt, inviter: by.user?.name ?? null }));
    return result.sent ? { emailed: true, emailError: null } : { emailed: false, emailError: result.reason };
  }

  async acceptInvitation(body: AcceptInvitationBody, meta: SignInMeta): Promise<StartedSession> {
    const passwordHash = await hashPassword(body.password);
    const user = await this.store.db.transaction().execute(async (trx) => {
      const t = await spendAccountToken(trx, 'invitation', tokenHash(body.token), Date.now());
      if (!t?.email || !t.role) throw badToken('invitation');
      assertPassword(body.password, t.email);
      if (await findUserByEmail(trx, t.org_id, t.email))
        throw new ApiError(409, 'conflict', `${t.email} already has an account here: sign in instead.`);
      return insertUser(trx, { orgId: t.org_id, email: t.email, name: body.name.trim(), role: t.role, passwordHash });
    });
    await this.audit.record(user.org_id, { type: 'user', id: user.id, name: user.name }, 'user.created', user.id, {
      email: user.email,
      role: user.role,
      via: 'invitation',
    });
    return this.startSession(user, 'invitation', meta);
  }

  /**
   * A person the SSO issuer vouched for: their user if they have one (and are not disabled), an
   * invited one made now, or — when `defaultRole` is set — a new one with that role. Undefined:
   * Switchboard was not told to admit them.
   */
  async ssoUser(
    orgId: string,
    emailIn: string,
    name: string,
    defaultRole: Role | undefined,
  ): Promise<UserRow | undefined> {
    const email = normalizeEmail(emailIn);
    const existing = await findUserByEmail(this.store.db, orgId, email);
    if (existing) return existing.disabled_at === null ? existing : undefined;
    const now = Date.now();
    try {
      const user = await this.store.db.transaction().execute(async (trx) => {
        const invite = await trx
          .selectFrom('account_tokens')
          .selectAll()
          .where('org_id', '=', orgId)
          .where('kind', '=', 'invitation')
          .where('email', '=', email)
          .where('used_at', 'is', null)
          .where('expires_at', '>', now)
          .orderBy('created_at', 'desc')
          .executeTakeFirst();
        const role = invite?.role ?? defaultRole;
        if (!role) return undefined;
        if (invite) await spendAccountToken(trx, 'invitation', invite.token_hash, now);
        return insertUser(trx, { orgId, email, name: name.trim() || email, role, passwordHash: null }, now);
      });
      if (user)
        await this.audit.record(orgId, { type: 'user', id: user.id, name: user.name }, 'user.created', user.id, {
          email,
          role: user.role,
          via: 'sso',
        });
      return user;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return findUserByEmail(this.store.db, orgId, email);
    }
  }

  // ─── Users ─────────────────────────────────────────────────────────────────────────────────

  async list(orgId: string): Promise<UserList> {
    return { data: (await listUsers(this.store.db, orgId)).map(userRowToApi) };
  }

  /**
   * A new role, or disabled / enabled. Disabling deletes every sign-in of the person in the same
   * transaction, so their next request is already refused. The last active admin can be neither
   * demoted nor disabled: nobody could manage the organization afterwards.
   */
  async update(orgId: string, by: Principal, id: string, body: UpdateUserBody): Promise<User> {
    const now = Date.now();
    const { before, after } = await this.store.db.transaction().execute(async (trx) => {
      const before = await findUser(trx, orgId, id);
      if (!before) throw notFound('User');
      const set: { role?: Role; disabled_at?: number | null } = {};
      if (body.role !== undefined) set.role = body.role;
      if (body.disabled !== undefined) set.disabled_at = body.disabled ? (before.disabled_at ?? now) : null;
      const losesAdmin =
        before.role === 'admin' &&
        before.disabled_at === null &&
        ((set.role !== undefined && set.role !== 'admin') || body.disabled === true);
      if (losesAdmin && (await countActiveAdmins(trx, orgId)) <= 1)
        throw new ApiError(422, 'last-admin', 'This is the last active admin: make someone else admin first.');
      await updateUser(trx, orgId, id, set);
      if (body.disabled === true) await deleteAllUserSessions(trx, id);
      return { before, after: { ...before, ...set } as UserRow };
    });
    const changes: Record<string, unknown> = {};
    if (after.role !== before.role) changes.role = { from: before.role, to: after.role };
    if ((after.disabled_at === null) !== (before.disabled_at === null)) changes.disabled = after.disabled_at !== null;
    if (Object.keys(changes).length)
      await this.audit.record(orgId, by, 'user.updated', id, { email: before.email, ...changes });
    return userRowToApi(after);
  }
}

const ROLE_WORDS: Record<Role, string> = {
  viewer: 'a viewer (you can read sessions)',
  reviewer: 'a reviewer (you can read and review sessions)',
  admin: 'an admin (you can do everything, people and keys included)',
};

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * The invitation e-mail: plain text, and the same words as simple HTML. Everything that comes
 * from a person (the inviter's name, the address) is escaped in the HTML; the link is the only
 * way in, and it is shown in full so it can be copied when the button does not work.
 */
export function invitationMessage(opts: {
  to: string;
  role: Role;
  url: string;
  expiresAt: number;
  inviter: string | null;
}): MailMessage {
  const host = new URL(opts.url).host;
  // One line: a name goes into the Subject header too.
  const inviter = opts.inviter?.replace(/\s+/g, ' ').trim() || null;
  const who = inviter ? `${inviter} invited you` : 'You are invited';
  const until = new Date(opts.expiresAt).toUTCString().replace(/:\d\d GMT$/, ' UTC');
  const lines = [
    `${who} to join Switchboard at ${host} as ${ROLE_WORDS[opts.role]}.`,
    'Open this link to choose your name and password:',
    opts.url,
    `The link works once, until ${until}. If you did not expect this e-mail, ignore it: nothing happens without the link.`,
  ];
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#0f172a">',
    `<p>${escapeHtml(lines[0])}</p>`,
    `<p><a href="${escapeHtml(opts.url)}" style="display:inline-block;padding:8px 16px;background:#4f46e5;color:#fff;border-radius:6px;text-decoration:none">Join Switchboard</a></p>`,
    `<p>Or copy this link: <br><a href="${escapeHtml(opts.url)}">${escapeHtml(opts.url)}</a></p>`,
    `<p style="color:#475569;font-size:13px">${escapeHtml(lines[3])}</p>`,
    '</body></html>',
  ].join('\n');
  return {
    to: opts.to,
    subject: `${who} to Switchboard`,
    text: `Hello,\n\n${lines[0]}\n\n${lines[1]}\n\n${lines[2]}\n\n${lines[3]}\n`,
    html,
  };
}
