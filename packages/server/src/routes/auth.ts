/** Dashboard sign-in: an API key is exchanged for an HttpOnly, SameSite=Strict cookie. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LoginBody, Me } from '@switchboard/contracts';
import { ApiError } from '../lib/errors.js';
import { problemResponses } from '../lib/problem.js';
import { clientNetwork } from '../lib/ip.js';
import { hashKey } from '../lib/keys.js';
import { type AuthContext, authOf, requireCsrfHeader, SESSION_COOKIE } from '../plugins/auth.js';

export const authRoutes: FastifyPluginAsyncTypebox<{ recordingHosts: string[] }> = async (app, opts) => {
  const meOf = (ctx: AuthContext) => ({
    organization: { id: ctx.orgId, name: ctx.orgName },
    key: { id: ctx.keyId, name: ctx.keyName, prefix: ctx.keyPrefix },
    scopes: ctx.scopes,
    recordingHosts: opts.recordingHosts,
  });

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['Auth'],
        summary: 'Sign in to the dashboard',
        description:
          'Exchanges an API key for a session cookie (HttpOnly, SameSite=Strict, Secure behind HTTPS). Attempts are limited per client address (an IPv6 client by its /64) and per key: `SWITCHBOARD_RATE_LIMIT_LOGIN` a minute, 20 by default. A key without the `read` scope is refused with 403: every page of the dashboard reads sessions.',
        body: LoginBody,
        response: { 200: Me, ...problemResponses(400, 401, 403, 429) },
      },
    },
    async (req, reply) => {
      const key = req.body.key.trim();
      // A mistyped key is refused before anything touches the database, buckets included: it
      // costs nothing and can never sign in.
      app.authenticator.assertWellFormed(key);
      // Every other attempt, right or wrong, spends its address's quota before the key is looked
      // up, so guessing and sign-in floods cost the database one bucket update each. The key's
      // own quota bounds the sign-ins (and rows) one key can make from many addresses.
      await app.rateLimiter.spend(
        reply,
        'login',
        `login:addr:${clientNetwork(req.ip)}`,
        (quota, retry) => `Too many sign-in attempts from this address (${quota} a minute); retry in ${retry} s.`,
        'login-address',
      );
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
      await app.authenticator.logout(req.cookies[SESSION_COOKIE]);
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
};
