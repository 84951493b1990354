/** The API under `/api/v1`: one plugin per route group, each thin over its service. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { agentRoutes } from './agents.js';
import { auditRoutes } from './audit.js';
import { alertRoutes } from './alerts.js';
import { authRoutes } from './auth.js';
import { ingestRoutes } from './ingest.js';
import { integrationRoutes } from './integrations.js';
import { keyRoutes } from './keys.js';
import { reviewRoutes } from './review.js';
import { oidcRoutes } from './oidc.js';
import { sessionRoutes } from './sessions.js';
import { settingsRoutes } from './settings.js';
import { streamRoutes } from './stream.js';
import { userRoutes } from './users.js';
import { webhookRoutes } from './webhooks.js';

export const apiRoutes: FastifyPluginAsyncTypebox<{ recordingHosts?: string[] }> = async (api, opts) => {
  await api.register(authRoutes, { recordingHosts: opts.recordingHosts ?? [] });
  await api.register(sessionRoutes);
  await api.register(streamRoutes);
  await api.register(ingestRoutes);
  await api.register(agentRoutes);
  await api.register(keyRoutes);
  await api.register(webhookRoutes);
  await api.register(integrationRoutes);
  await api.register(reviewRoutes);
  await api.register(userRoutes);
  await api.register(auditRoutes);
  await api.register(oidcRoutes);
  await api.register(alertRoutes);
  await api.register(settingsRoutes);
};
