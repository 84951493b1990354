/** The agents an organization has seen, for the dashboard's filters. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AgentList } from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
import { authOf } from '../plugins/auth.js';

export const agentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/agents',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['Sessions'],
        summary: 'Agents seen by this organization',
        response: { 200: AgentList, ...problemResponses(401, 403) },
      },
    },
    async (req) => app.services.read.agents(authOf(req).orgId),
  );
};
