/**
 * The OpenAPI 3.1 document, built from the routes' schemas (so it is registered before them) and
 * finished from the route table by openapi-document.ts, at `/api/openapi.json`, and its browsable
 * reference at `/api/docs`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { finishDocument, openapiPath, type RouteFacts, routeFacts } from './openapi-document.js';

export const openapiPlugin = fp(
  async (app: FastifyInstance, opts: { version?: string; publicUrl?: string }) => {
    const facts = new Map<string, RouteFacts>();
    app.addHook('onRoute', (route) => {
      const schema = route.schema as { hide?: boolean } | undefined;
      if (!schema || schema.hide) return;
      for (const method of [route.method].flat())
        facts.set(`${method.toUpperCase()} ${openapiPath(route.url)}`, { ...routeFacts(route), method });
    });
    await app.register(swagger, {
      transformObject: (document) =>
        finishDocument(
          (document as { openapiObject: Record<string, unknown> }).openapiObject,
          facts,
          opts.publicUrl,
        ) as never,
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Switchboard API',
          version: opts.version ?? '0.1.0',
          description:
            'Session monitoring for conversational AI agents. Errors are RFC 9457 problem documents (`application/problem+json`) whose `requestId` is also in the `x-request-id` header of every response.',
        },
        components: {
          securitySchemes: {
            bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `swb_…`' },
            cookie: {
              type: 'apiKey',
              in: 'cookie',
              name: 'sb_session',
              description:
                'The dashboard’s sign-in (`POST /auth/login`). Writes with it also need the `x-switchboard-csrf: 1` header.',
            },
            metricsToken: {
              type: 'http',
              scheme: 'bearer',
              description: 'SWITCHBOARD_METRICS_TOKEN, for `GET /metrics` only (not an API key).',
            },
          },
        },
        security: [{ bearer: [] }, { cookie: [] }],
      },
    });
    app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    await app.register(swaggerUi, {
      routePrefix: '/api/docs',
      uiConfig: { docExpansion: 'list', deepLinking: true },
      // The reference's own policy: its inline scripts by hash, and, like every other page, never
      // in a frame. Without `upgrade-insecure-requests`, which would break it on plain-HTTP installs.
      staticCSP: true,
      transformStaticCSP: (header) =>
        header
          .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
          .replace(/\s*upgrade-insecure-requests;?/, ''),
    });
  },
  { name: 'openapi' },
);
