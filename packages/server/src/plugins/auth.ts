/**
 * Authentication and scopes. A request proves itself with `Authorization: Bearer <api key>` or
 * with the dashboard's session cookie; each route declares the scope it needs in
 * `config.scope`. A key whose checksum fails is refused before the database is touched.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Actor, ROLE_SCOPES, type Role, type Scope } from '@switchboard/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../lib/errors.js';
import { hashKey, isWellFormedKey } from '../lib/keys.js';
import {
  createDashboardSession,
  deleteDashboardSession,
  findDashboardSession,
  findKeyByHash,
  touchApiKey,
} from '../store/keys.js';
import type { Store } from '../store/db.js';
import { findUserSession, touchUserSession } from '../store/users.js';

export interface AuthContext {
  orgId: string;
  orgName: string;
  keyId: string;
  keyName: string;
  keyPrefix: string;
  scopes: Scope[];
  via: 'bearer' | 'cookie';
  /**
   * The person signed in (their role gives the scopes), or null for an API key. For a person,
   * keyId/keyName/keyPrefix name them (`user:<id>`), so rate limits and logs work as for keys.
   */
  user: { id: string; email: string; name: string; role: Role } | null;
  /** The person's sign-in (user_sessions.id), for listing and revoking their sessions. */
  sessionId: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
  }
  interface FastifyContextConfig {
    /**
     * The scope a route needs (`any`: signed in with any scope; a list: any one of them); routes
     * without one are public.
     */
    scope?: Scope | Scope[] | 'any';
  }
}

export const SESSION_COOKIE = 'sb_session';
const CSRF_HEADER = 'x-switchboard-csrf';
const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;
/** lastUsedAt is written at most this often per key, so reads do not turn into writes. */
const TOUCH_EVERY_MS = 60_000;

const unauthorized = (detail: string) =>
  new ApiError(401, 'unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="switchboard"' });

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

type KeyRow = NonNullable<Awaited<ReturnType<typeof findKeyByHash>>>;

function contextOf(row: KeyRow, via: AuthContext['via']): AuthContext {
  return {
    orgId: row.org_id,
    orgName: row.org_name,
    keyId: row.id,
    keyName: row.name,
    keyPrefix: row.prefix,
    scopes: row.scopes.split(',').filter(Boolean) as Scope[],
    via,
    user: null,
    sessionId: null,
  };
}

type UserSessionRow = NonNullable<Awaited<ReturnType<typeof findUserSession>>>;

function userContextOf(row: UserSessionRow): AuthContext {
  return {
    orgId: row.org_id,
    orgName: row.org_name,
    keyId: row.id,
    keyName: row.name,
    keyPrefix: `user:${row.id}`,
    scopes: [...ROLE_SCOPES[row.role]],
    via: 'cookie',
    user: { id: row.id, email: row.email, name: row.name, role: row.role },
    sessionId: row.session_id,
  };
}

/** A person's cookie starts with this (services/accounts.ts); an API key's sign-in does not. */
const USER_TOKEN_PREFIX = 'u.';

export class Authenticator {
  private touched = new Map<string, number>();
  constructor(private readonly store: Store) {}

  /** A 401 for a key whose checksum fails: decided without the database. */
  assertWellFormed(key: string) {
    if (!isWellFormedKey(key))
      throw unauthorized('The API key is malformed or mistyped (its checksum does not match).');
  }

  /** The key behind a bearer token, or a 401 that does not say which check failed. */
  async verifyKey(key: string): Promise<KeyRow> {
    this.assertWellFormed(key);
    const row = await findKeyByHash(this.store.db, hashKey(key));
    if (!row || row.revoked_at !== null) throw unauthorized('The API key is not valid or has been revoked.');
    return row;
  }

  async authenticate(req: FastifyRequest): Promise<AuthContext | null> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) throw unauthorized('Send the API key as "Authorization: Bearer <key>".');
      const row = await this.verifyKey(m[1]);
      this.touch(row.id);
      return contextOf(row, 'bearer');
    }
    const token = req.cookies?.[SESSION_COOKIE];
    if (token?.startsWith(USER_TOKEN_PREFIX)) {
      // A disabled person's sign-ins are deleted at once, and the join refuses them anyway.
      const now = Date.now();
      const row = await findUserSession(this.store.db, sha256(token), now);
      if (!row) return null;
      if (Number(row.session_seen_at) <= now - TOUCH_EVERY_MS)
        touchUserSession(this.store.db, row.session_id, row.id, now).catch(() => {});
      return userContextOf(row);
    }
    if (token) {
      const row = await findDashboardSession(this.store.db, sha256(token), Date.now());
      if (!row || row.revoked_at !== null) return null;
      this.touch(row.id);
      return contextOf(row, 'cookie');
    }
    return null;
  }

  private touch(keyId: string) {
    const now = Date.now();
    if ((this.touched.get(keyId) ?? 0) > now - TOUCH_EVERY_MS) return;
    this.touched.set(keyId, now);
    // Bookkeeping only: a failure here must not fail the request it rides on.
    touchApiKey(this.store.db, keyId, now).catch(() => this.touched.delete(keyId));
  }

  /** A new dashboard session for a verified key: the cookie's token, shown once, and its context. */
  async startSession(row: KeyRow) {
    const token = randomBytes(32).toString('base64url');
    await createDashboardSession(this.store.db, sha256(token), row.id, Date.now(), SESSION_TTL_MS);
    this.touch(row.id);
    return { token, context: contextOf(row, 'cookie'), maxAgeSeconds: SESSION_TTL_MS / 1000 };
  }

  async logout(token: string | undefined) {
    if (token) await deleteDashboardSession(this.store.db, sha256(token));
  }
}

/**
 * Refuses a cookie-authenticated write without `X-Switchboard-CSRF: 1`. SameSite=Strict already
 * keeps other sites' requests from carrying the cookie; the header is a second, independent guard
 * that a cross-site form or <img> can never set.
 */
export function requireCsrfHeader(req: FastifyRequest) {
  if (req.headers[CSRF_HEADER] !== '1')
    throw new ApiError(
      403,
      'csrf',
      `Requests signed in with the dashboard cookie must send the ${CSRF_HEADER}: 1 header.`,
    );
}

export const authPlugin = fp(
  async (app: FastifyInstance) => {
    const auth = new Authenticator(app.store);
    app.decorate('authenticator', auth);
    app.decorateRequest('auth', null);
    app.addHook('onRequest', async (req: FastifyRequest, _reply: FastifyReply) => {
      const scope = req.routeOptions.config?.scope;
      if (!scope) return;
      const ctx = await auth.authenticate(req);
      if (!ctx) throw unauthorized('Authentication required: send "Authorization: Bearer <api key>" or sign in.');
      if (ctx.via === 'cookie' && !['GET', 'HEAD', 'OPTIONS'].includes(req.method)) requireCsrfHeader(req);
      const needed = scope === 'any' ? [] : Array.isArray(scope) ? scope : [scope];
      if (needed.length && !needed.some((s) => hasScope(ctx, s))) {
        const wanted = needed.map((s) => `"${s}"`).join(' or ');
        throw new ApiError(
          403,
          'forbidden',
          ctx.user
            ? `Your role (${ctx.user.role}) does not allow this: it needs the ${wanted} scope. Ask an admin.`
            : `This API key lacks the ${wanted} scope this route needs.`,
        );
      }
      req.auth = ctx;
    });
  },
  { name: 'auth', dependencies: ['@fastify/cookie', 'store'] },
);

declare module 'fastify' {
  interface FastifyInstance {
    authenticator: Authenticator;
  }
}

/** Whether the request may act with `scope`: `admin` implies `review`. */
export function hasScope(ctx: AuthContext, scope: Scope): boolean {
  return ctx.scopes.includes(scope) || (scope === 'review' && ctx.scopes.includes('admin'));
}

/**
 * Who is acting, as scores, notes, the reviewed mark and bulk jobs record it: the one place that
 * decides — the person signed in, or else the API key, by id and name.
 */
export function actorOf(auth: AuthContext): Actor {
  if (auth.user) return { type: 'user', id: auth.user.id, name: auth.user.name };
  return { type: 'key', id: auth.keyId, name: auth.keyName };
}

/** The authenticated context of a route that declared a scope. */
export function authOf(req: FastifyRequest): AuthContext {
  if (!req.auth) throw new Error('route has no scope but reads auth');
  return req.auth;
}
