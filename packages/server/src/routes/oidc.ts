/**
 * SSO's two browser stops: `start` sends the browser to the issuer, `callback` is where the issuer
 * sends it back (register `<public URL>/api/v1/auth/oidc/callback` with the issuer). Both answer
 * with redirects, since a browser, not a script, follows them; a refusal lands on the sign-in page
 * with its reason (`/login?sso=<reason>`).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ApiError } from '../lib/errors.js';
import { problemResponses } from '../lib/problem.js';
import { SESSION_COOKIE } from '../plugins/auth.js';
import { SsoError } from '../services/oidc.js';

const STATE_COOKIE = 'sb_oidc';
const STATE_PATH = '/api/v1/auth/oidc';
const tags = ['Auth'];
const redirect = { type: 'null', description: 'A redirect (`Location`) the browser follows.' } as const;

export const oidcRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { oidc, accounts } = app.services;
  const secure = (req: { protocol: string; headers: Record<string, unknown> }) =>
    req.protocol === 'https' || req.headers['x-forwarded-proto'] === 'https';

  app.get(
    '/auth/sso',
    {
      schema: {
        tags,
        summary: 'Whether SSO is offered',
        description: 'The sign-in page shows “Sign in with SSO” when `enabled`.',
        response: { 200: Type.Object({ enabled: Type.Boolean() }) },
      },
    },
    async () => ({ enabled: oidc !== undefined }),
  );

  app.get(
    '/auth/oidc/start',
    {
      schema: {
        tags,
        summary: 'Start SSO',
        description:
          'Redirects the browser to the issuer (authorization code with PKCE, state and nonce). 404 when SSO is not configured (`SWITCHBOARD_OIDC_ISSUER`).',
        response: { 302: redirect, ...problemResponses(404, 503) },
      },
    },
    async (req, reply) => {
      if (!oidc) throw new ApiError(404, 'not-found', 'SSO is not configured on this server.');
      const { url, state, maxAgeSeconds } = await oidc.start();
      // Lax, not Strict: the issuer's redirect back is a cross-site navigation, which a Strict
      // cookie would not ride along; it holds only the state, which is useless without the code.
      reply.setCookie(STATE_COOKIE, state, {
        httpOnly: true,
        sameSite: 'lax',
        path: STATE_PATH,
        maxAge: maxAgeSeconds,
        secure: secure(req),
      });
      return reply.redirect(url, 302);
    },
  );

  app.get(
    '/auth/oidc/callback',
    {
      schema: {
        tags,
        summary: 'SSO callback',
        description:
          'Where the issuer sends the browser back. Signs the person in and redirects to the dashboard, or redirects to `/login?sso=<reason>` (`state`, `issuer`, `unverified`, `not-invited`, `unavailable`).',
        querystring: Type.Object({}, { additionalProperties: Type.String({ maxLength: 4096 }) }),
        response: { 302: redirect, ...problemResponses(404) },
      },
    },
    async (req, reply) => {
      if (!oidc) throw new ApiError(404, 'not-found', 'SSO is not configured on this server.');
      const query = new URLSearchParams(req.query as Record<string, string>);
      reply.clearCookie(STATE_COOKIE, { path: STATE_PATH });
      try {
        const user = await oidc.finish(query, req.cookies[STATE_COOKIE]);
        const started = await accounts.startSession(user, 'oidc', {
          ip: req.ip ?? null,
          network: req.ip ?? '',
          userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : null,
        });
        reply.setCookie(SESSION_COOKIE, started.token, {
          httpOnly: true,
          sameSite: 'strict',
          path: '/',
          maxAge: started.maxAgeSeconds,
          secure: secure(req),
        });
        return reply.redirect('/', 302);
      } catch (err) {
        if (!(err instanceof SsoError)) throw err;
        req.log.warn({ reason: err.reason, detail: err.message }, 'SSO sign-in refused');
        return reply.redirect(`/login?sso=${err.reason}`, 302);
      }
    },
  );
};
