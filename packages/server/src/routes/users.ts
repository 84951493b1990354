/** The people of an organization: list, change role, disable, invite; admin only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CreateInvitationBody, Invitation, UpdateUserBody, User, UserIdParams, UserList } from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
import { authOf } from '../plugins/auth.js';

const admin = { scope: 'admin' as const };
const tags = ['Users'];

export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { accounts } = app.services;

  app.get(
    '/users',
    {
      config: admin,
      schema: { tags, summary: 'List people', response: { 200: UserList, ...problemResponses(401, 403) } },
    },
    async (req) => accounts.list(authOf(req).orgId),
  );

  app.patch(
    '/users/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change a person’s role, or disable them',
        description:
          'Disabling ends every sign-in of the person at once: their next request gets 401. The last active admin can be neither demoted nor disabled (422).',
        params: UserIdParams,
        body: UpdateUserBody,
        response: { 200: User, ...problemResponses(400, 401, 403, 404, 422) },
      },
    },
    async (req) => {
      const ctx = authOf(req);
      return accounts.update(ctx.orgId, ctx, req.params.id, req.body);
    },
  );

  app.post(
    '/users/invitations',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Invite a person',
        description:
          'Returns a one-time link (`url`, valid 7 days) to give the person; opening it lets them choose a name and password and signs them in with this role. With SSO they may also simply sign in through the issuer with this address.\n\nWhen a mail server is configured (`SWITCHBOARD_SMTP_URL`), the link is also e-mailed to the person before the answer; `emailed` says whether it was. A mail server that refuses the message, is down or does not answer within `SWITCHBOARD_SMTP_TIMEOUT` (10 s) does not fail the request: the invitation is made, `emailed` is false and `emailError` says why.',
        body: CreateInvitationBody,
        response: { 201: Invitation, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const ctx = authOf(req);
      const invitation = await accounts.invite(ctx.orgId, ctx, req.body);
      if (invitation.emailError)
        req.log.warn({ invitation: invitation.id, reason: invitation.emailError }, 'invitation not e-mailed');
      reply.code(201);
      return invitation;
    },
  );
};
