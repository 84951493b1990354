/** The agent performance table and one agent's figures over time, thin over services/read.ts. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AgentDetail, AgentDetailQuery, AgentIdParams, AgentList, AgentListQuery } from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
import { authOf } from '../plugins/auth.js';
import { filterErrors } from '../services/filters.js';

const read = { scope: 'read' as const, queryErrors: filterErrors };

export const agentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/agents',
    {
      config: read,
      schema: {
        tags: ['Agents'],
        summary: 'Agent performance',
        description:
          'Every agent and how it performs over the sessions the shared filters select. Without filters every agent is listed (one without sessions has zero figures); with filters, the agents with at least one matching session. Sorted by `sort` (nulls last, ties by id); `firstResponseMs` sorts by its p50.',
        querystring: AgentListQuery,
        response: { 200: AgentList, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => app.services.read.agents(authOf(req).orgId, req.query),
  );

  app.get(
    '/agents/:id',
    {
      config: read,
      schema: {
        tags: ['Agents'],
        summary: 'One agent',
        description:
          "The agent's row of the performance table over the shared filters, with the time series of its matching sessions (default: the last 30 days by day, or 24 hours by hour).",
        params: AgentIdParams,
        querystring: AgentDetailQuery,
        response: { 200: AgentDetail, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => app.services.read.agent(authOf(req).orgId, req.params.id, req.query),
  );
};
