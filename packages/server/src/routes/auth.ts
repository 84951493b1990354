/** Dashboard sign-in: an API key is exchanged for an HttpOnly, SameSite=Strict cookie. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LoginBody, Me } from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
import { type AuthContext, authOf, SESSION_COOKIE } from '../plugins/auth.js';

const meOf = (ctx: AuthContext) => ({
  organization: { id: ctx.orgId, name: ctx.orgName },
  key: { id: ctx.keyId, name: ctx.keyName, prefix: ctx.keyPrefix },
  scopes: ctx.scopes,
});

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['Auth'],
        summary: 'Sign in to the dashboard',
        description: 'Exchanges an API key for a session cookie (HttpOnly, SameSite=Strict, Secure behind HTTPS).',
        body: LoginBody,
        response: { 200: Me, ...problemResponses(400, 401) },
      },
    },
    async (req, reply) => {
      const { token, context, maxAgeSeconds } = await app.authenticator.login(req.body.key.trim());
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
        response: { 204: { type: 'null', description: 'Signed out' }, ...problemResponses(415) },
      },
    },
    async (req, reply) => {
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
