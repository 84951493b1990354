/**
 * Alert rules (docs/ALERTS.md), thin over the alert service: `read` lists and reads, `admin`
 * changes. Evaluating is the job's (services/alerts.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  Alert,
  AlertHistory,
  AlertHistoryQuery,
  AlertIdParams,
  AlertList,
  AlertPreview,
  AlertPreviewBody,
  CreateAlertBody,
  UpdateAlertBody,
} from '@switchboard/contracts';
import { problemResponses } from '../lib/problem.js';
import { authOf } from '../plugins/auth.js';

const admin = { scope: 'admin' as const };
const read = { scope: 'read' as const };
const tags = ['Alerts'];

export const alertRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { alerts } = app.services;

  app.post(
    '/alerts',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Create an alert rule',
        description:
          'The rule is evaluated every `SWITCHBOARD_ALERT_INTERVAL` seconds; it fires while `metric op threshold` holds over the last `windowSeconds`.',
        body: CreateAlertBody,
        response: { 201: Alert, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return alerts.create(authOf(req).orgId, req.body);
    },
  );

  app.get(
    '/alerts',
    {
      config: read,
      schema: { tags, summary: 'List alert rules', response: { 200: AlertList, ...problemResponses(401, 403) } },
    },
    async (req) => alerts.list(authOf(req).orgId),
  );

  app.post(
    '/alerts/preview',
    {
      config: read,
      schema: {
        tags,
        summary: 'Preview an alert metric',
        description:
          'The metric now and at each hour of the last 24 h, each over the window ending then, as the evaluator would see it.',
        body: AlertPreviewBody,
        response: { 200: AlertPreview, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => alerts.preview(authOf(req).orgId, req.body),
  );

  app.get(
    '/alerts/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Get an alert rule',
        params: AlertIdParams,
        response: { 200: Alert, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => alerts.get(authOf(req).orgId, req.params.id),
  );

  app.patch(
    '/alerts/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change an alert rule',
        description: 'Disabling a firing rule resolves it (an `alert.resolved` event with a null value).',
        params: AlertIdParams,
        body: UpdateAlertBody,
        response: { 200: Alert, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => alerts.update(authOf(req).orgId, req.params.id, req.body),
  );

  app.delete(
    '/alerts/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Delete an alert rule',
        description: 'Its history and unsent Slack messages go with it.',
        params: AlertIdParams,
        response: { 204: { type: 'null', description: 'Deleted' }, ...problemResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await alerts.remove(authOf(req).orgId, req.params.id);
      reply.code(204);
    },
  );

  app.get(
    '/alerts/:id/history',
    {
      config: read,
      schema: {
        tags,
        summary: 'An alert rule’s transitions',
        description: 'Every change of state with the value seen, newest first.',
        params: AlertIdParams,
        querystring: AlertHistoryQuery,
        response: { 200: AlertHistory, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => alerts.history(authOf(req).orgId, req.params.id, req.query),
  );
};
