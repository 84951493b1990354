/** The audit log: who changed what and when; admin only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuditList, AuditQuery } from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
import { authOf } from '../plugins/auth.js';

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/audit',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['Audit'],
        summary: 'Read the audit log',
        description:
          'Newest first. `actor` matches a user or key id or its name; `action` an action (`user.updated`) or its group (`user`); `from` and `to` bound the time. Entries are kept as long as sessions (the retention setting).',
        querystring: AuditQuery,
        response: { 200: AuditList, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => app.services.audit.list(authOf(req).orgId, req.query),
  );
};
