/**
 * Dashboard sign-in: a person's e-mail and password (or an API key, for admins and automation)
 * is exchanged for an HttpOnly, SameSite=Strict cookie; the first admin and invited people make
 * their account with a one-time link; a person lists and ends their own sign-ins.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AcceptInvitationBody,
  AuthSessionIdParams,
  AuthSessionList,
  LoginBody,
  Me,
  ROLE_SCOPES,
  SetupBody,
} from '@switchboard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../lib/errors.js';
import { problemResponses } from '../lib/problem.js';
import { clientNetwork } from '../lib/ip.js';
import { hashKey } from '../lib/keys.js';
import { type AuthContext, authOf, requireCsrfHeader, SESSION_COOKIE } from '../plugins/auth.js';
import type { SignInMeta, StartedSession } from '../services/accounts.js';
import type { UserRow } from '../store/schema.js';

export const authRoutes: FastifyPluginAsyncTypebox<{ recordingHosts: string[] }> = async (app, opts) => {
  const { accounts } = app.services;
  const meOf = (ctx: AuthContext) =>
    ctx.user
      ? {
          organization: { id: ctx.orgId, name: ctx.orgName },
          user: ctx.user,
          scopes: ctx.scopes,
          recordingHosts: opts.recordingHosts,
        }
      : {
          organization: { id: ctx.orgId, name: ctx.orgName },
          key: { id: ctx.keyId, name: ctx.keyName, prefix: ctx.keyPrefix },
          scopes: ctx.scopes,
          recordingHosts: opts.recordingHosts,
        };
  const setCookie = (req: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number) =>
    reply.setCookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      maxAge: maxAgeSeconds,
      // Behind a TLS-terminating proxy the request arrives as http with X-Forwarded-Proto:
      // https. Trusting that header for this one flag is safe even from an untrusted client: a
      // forged one only gets the forger a cookie their own plain-http page cannot send back.
      secure: req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https',
    });
  const metaOf = (req: FastifyRequest): SignInMeta => ({
    ip: req.ip ?? null,
    network: clientNetwork(req.ip),
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
  });
  const spendAddress = (req: FastifyRequest, reply: FastifyReply) =>
    app.rateLimiter.spend(
      reply,
      'login',
      `login:addr:${clientNetwork(req.ip)}`,
      (quota, retry) => `Too many sign-in attempts from this address (${quota} a minute); retry in ${retry} s.`,
      'login-address',
    );
  /** Sets the cookie of a person's new sign-in and answers who they are. */
  const signedIn = async (org: string, started: StartedSession, req: FastifyRequest, reply: FastifyReply) => {
    const u: UserRow = started.user;
    setCookie(req, reply, started.token, started.maxAgeSeconds);
    return {
      organization: { id: u.org_id, name: org },
      user: { id: u.id, email: u.email, name: u.name, role: u.role },
      scopes: [...ROLE_SCOPES[u.role]],
      recordingHosts: opts.recordingHosts,
    };
  };
  const orgName = async (orgId: string) =>
    (await app.store.db.selectFrom('organizations').select('name').where('id', '=', orgId).executeTakeFirstOrThrow())
      .name;

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['Auth'],
        summary: 'Sign in to the dashboard',
        description:
          'Exchanges a person’s e-mail and password, or an API key, for a session cookie (HttpOnly, SameSite=Strict, Secure behind HTTPS). Attempts are limited per client address (an IPv6 client by its /64) and per key: `SWITCHBOARD_RATE_LIMIT_LOGIN` a minute, 20 by default. Every wrong e-mail and password pair gets the same 401; 10 failures for one address in 15 minutes, or 50 from one client network, lock it for 15 minutes (429). A key without the `read` scope is refused with 403: every page of the dashboard reads sessions.',
        body: LoginBody,
        response: { 200: Me, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      const body = req.body;
      if (body.key === undefined && body.email !== undefined && body.password !== undefined) {
        // Every attempt spends its address's quota first; failures also count towards the
        // lockout of the account and of the address (services/accounts.ts).
        await spendAddress(req, reply);
        const started = await accounts.login(body.email, body.password, metaOf(req));
        return signedIn(await orgName(started.user.org_id), started, req, reply);
      }
      const key = (body.key ?? '').trim();
      // A mistyped key is refused before anything touches the database, buckets included: it
      // costs nothing and can never sign in.
      app.authenticator.assertWellFormed(key);
      // Every other attempt, right or wrong, spends its address's quota before the key is looked
      // up, so guessing and sign-in floods cost the database one bucket update each. The key's
      // own quota bounds the sign-ins (and rows) one key can make from many addresses.
      await spendAddress(req, reply);
      await app.rateLimiter.spend(
        reply,
        'login',
        `login:key:${hashKey(key)}`,
        (quota, retry) => `Too many sign-ins with this key (${quota} a minute); retry in ${retry} s.`,
        'login-key',
      );
      const row = await app.authenticator.verifyKey(key);
      // Every page of the dashboard reads sessions: a key without `read` (an agent's ingest key,
      // say) would sign in to nothing but errors, so it is refused here, in words.
      const scopes = row.scopes.split(',');
      if (!scopes.includes('read'))
        throw new ApiError(
          403,
          'forbidden',
          `This key has the ${scopes.map((s) => `"${s}"`).join(' and ')} scope only; signing in to the dashboard needs a key with the "read" scope.`,
        );
      const { token, context, maxAgeSeconds } = await app.authenticator.startSession(row);
      setCookie(req, reply, token, maxAgeSeconds);
      return meOf(context);
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags: ['Auth'],
        summary: 'Sign out',
        description:
          'Ends the session of the cookie sent. Needs the `x-switchboard-csrf: 1` header like every other cookie-authenticated write, so another site cannot sign a person out.',
        response: { 204: { type: 'null', description: 'Signed out' }, ...problemResponses(403, 415) },
      },
    },
    async (req, reply) => {
      requireCsrfHeader(req);
      const token = req.cookies[SESSION_COOKIE];
      if (token?.startsWith('u.')) await accounts.logout(token);
      else await app.authenticator.logout(token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' }).code(204);
    },
  );

  app.get(
    '/auth/me',
    {
      config: { scope: 'any' },
      schema: { tags: ['Auth'], summary: 'Who is signed in', response: { 200: Me, ...problemResponses(401) } },
    },
    async (req) => meOf(authOf(req)),
  );

  app.post(
    '/auth/setup',
    {
      schema: {
        tags: ['Auth'],
        summary: 'Create the first admin',
        description:
          'From the one-time link the server prints at its first start (`/setup#token=…`): creates the organization’s first person, an admin, and signs them in. The token works once, and only while the organization has nobody yet.',
        body: SetupBody,
        response: { 201: Me, ...problemResponses(400, 401, 429) },
      },
    },
    async (req, reply) => {
      await spendAddress(req, reply);
      const started = await accounts.setup(req.body, metaOf(req));
      reply.code(201);
      return signedIn(await orgName(started.user.org_id), started, req, reply);
    },
  );

  app.post(
    '/auth/invitations/accept',
    {
      schema: {
        tags: ['Auth'],
        summary: 'Accept an invitation',
        description:
          'From an invitation link (`/invite#token=…`): creates the invited person with the role the admin chose and signs them in. The link works once, for 7 days.',
        body: AcceptInvitationBody,
        response: { 201: Me, ...problemResponses(400, 401, 409, 429) },
      },
    },
    async (req, reply) => {
      await spendAddress(req, reply);
      const started = await accounts.acceptInvitation(req.body, metaOf(req));
      reply.code(201);
      return signedIn(await orgName(started.user.org_id), started, req, reply);
    },
  );

  const personOf = (req: FastifyRequest) => {
    const ctx = authOf(req);
    if (!ctx.user)
      throw new ApiError(403, 'forbidden', 'Signed in with an API key: only a person has sign-ins to list or end.');
    return ctx;
  };

  app.get(
    '/auth/sessions',
    {
      config: { scope: 'any' },
      schema: {
        tags: ['Auth'],
        summary: 'List my sign-ins',
        description: 'The signed-in person’s sign-ins that have not expired, newest first; `current` marks this one.',
        response: { 200: AuthSessionList, ...problemResponses(401, 403) },
      },
    },
    async (req) => {
      const ctx = personOf(req);
      return accounts.listSessions(ctx.user?.id ?? '', ctx.sessionId);
    },
  );

  app.delete(
    '/auth/sessions/:id',
    {
      config: { scope: 'any' },
      schema: {
        tags: ['Auth'],
        summary: 'End one of my sign-ins',
        description: 'The browser that held it is signed out at its next request.',
        params: AuthSessionIdParams,
        response: { 204: { type: 'null', description: 'Ended' }, ...problemResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      const ctx = personOf(req);
      await accounts.revokeSession(ctx.user?.id ?? '', req.params.id);
      reply.code(204);
    },
  );
};
