import { AgentList, Problem } from '@switchboard/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { authOf } from '../plugins/auth.js';

export const agentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/agents',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['Sessions'],
        summary: 'Agents seen by this organization',
        response: { 200: AgentList, 401: Problem, 403: Problem },
      },
    },
    async (req) => app.services.read.agents(authOf(req).orgId),
  );
};
