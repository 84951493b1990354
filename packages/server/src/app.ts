/**
 * Builds the Fastify application: infrastructure plugins first, then the API routes under
 * `/api/v1`, the OpenAPI document and reference, and the dashboard's static files.
 */
import { existsSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LIMITS } from '@switchboard/contracts';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions, LogController } from 'fastify';
import { bodyAjv, queryAjv } from './lib/ajv.js';
import { ApiError, PROBLEM_BASE, badRequest, notFound } from './lib/errors.js';
import { problemOf } from './lib/problem.js';
import { authPlugin } from './plugins/auth.js';
import { errorsPlugin } from './plugins/errors.js';
import { etagPlugin } from './plugins/etag.js';
import { idempotencyPlugin } from './plugins/idempotency.js';
import { type RateQuotas, rateLimitPlugin } from './plugins/rate-limit.js';
import { telemetryPlugin } from './plugins/telemetry.js';
import { agentRoutes } from './routes/agents.js';
import { authRoutes } from './routes/auth.js';
import { healthRoutes } from './routes/health.js';
import { ingestRoutes } from './routes/ingest.js';
import { keyRoutes } from './routes/keys.js';
import { sessionRoutes } from './routes/sessions.js';
import { streamRoutes } from './routes/stream.js';
import { type WebhookRouteOptions, webhookRoutes } from './routes/webhooks.js';
import { BatchService } from './services/batch.js';
import { IngestService } from './services/ingest.js';
import { ReadService } from './services/read.js';
import { StreamHub, type StreamOptions } from './services/stream.js';
import { nulPaths } from './services/validate.js';
import type { Store } from './store/db.js';

export interface Services {
  ingest: IngestService;
  read: ReadService;
  batch: BatchService;
}

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    /** Where the read API reads: the replica when one is configured, else `store`. */
    readStore: Store;
    services: Services;
    lifecycle: { closing: boolean };
    streams: StreamHub;
  }
}

export interface AppOptions {
  store: Store;
  /** A read replica for the read API (DATABASE_READ_URL); the primary `store` when absent. */
  readStore?: Store;
  logger?: FastifyServerOptions['logger'];
  /** Built dashboard to serve at `/`; skipped when the folder does not exist. */
  webDir?: string;
  version?: string;
  /** Whose X-Forwarded-* headers to believe (SWITCHBOARD_TRUST_PROXY). */
  trustProxy?: boolean | string;
  stream?: StreamOptions;
  rateLimits?: Partial<RateQuotas>;
  /** Private targets allowed, and how the webhook worker hears of work the routes queue. */
  webhooks?: WebhookRouteOptions;
}

/** pino settings: one JSON line per request, and never a key, cookie or secret in it. */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.key', '*.secret'],
      censor: '[redacted]',
    },
  };
}

/**
 * A key or webhook secret pasted into a URL (`?key=swb_…`) would otherwise land in the request
 * log verbatim; anything shaped like one is masked, whatever parameter or path carries it.
 */
export const redactUrl = (url: string) => url.replace(/(swb_|whsec_)[0-9A-Za-z+/=%_-]{8,}/g, '$1[redacted]');

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};
const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  'media-src https: http:',
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a URL or headers over 16 KiB, a
 * malformed request line) still get an RFC 9457 document, like every other refusal.
 */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex) {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'The request took too long to arrive.']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The URL or headers are larger than 16 KiB.']
        : [400, 'The request is not valid HTTP.'];
  const body = JSON.stringify({ type: `${PROBLEM_BASE}client-error`, title: STATUS_CODES[status], status, detail });
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: LIMITS.bodyBytes,
    // One line per request, written by our onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    trustProxy: opts.trustProxy ?? false,
    ajv: { customOptions: { allErrors: true } },
    routerOptions: { maxParamLength: 512 },
    // The router's own refusals (a path id over 512 characters, a malformed %-escape) bypass the
    // error handler; without this they would be plain JSON echoing the whole path back.
    frameworkErrors: (err, req, reply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const problem = problemOf(
        tooLong
          ? new ApiError(414, 'uri-too-long', 'A path segment is longer than 512 characters.')
          : new ApiError(400, 'validation', 'The URL is not valid (a malformed %-escape?).'),
      );
      (reply as unknown as FastifyReply)
        .code(problem.status)
        .headers(SECURITY_HEADERS)
        .type('application/problem+json')
        .send(JSON.stringify({ ...problem, instance: tooLong ? undefined : req.url.split('?')[0].slice(0, 200) }));
    },
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The API speaks JSON only: without this, Fastify's built-in text/plain parser would hand a
  // string to the schema and a wrong Content-Type would get a 400 instead of the 415 it deserves.
  app.removeContentTypeParser('text/plain');
  // Fastify decodes bodies leniently, turning invalid UTF-8 into U+FFFD: a corrupted transcript
  // would be stored and acknowledged as if it were what the agent sent. Decode strictly and refuse
  // it instead; the default parser (with its __proto__ guard) still does the JSON part.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    let text: string;
    try {
      text = strictUtf8.decode(body as Buffer);
    } catch {
      done(badRequest([{ path: '/', message: 'is not valid UTF-8' }], 'The body is not valid UTF-8.'), undefined);
      return;
    }
    parseJson(req, text, done);
  });

  app.setValidatorCompiler(({ schema, httpPart }) =>
    httpPart === 'body' ? bodyAjv.compile(schema) : queryAjv.compile(schema),
  );

  const services: Services = {
    ingest: new IngestService(opts.store),
    read: new ReadService(opts.readStore ?? opts.store),
    batch: undefined as unknown as BatchService,
  };
  services.batch = new BatchService(opts.store, services.ingest, (err) => app.log.error({ err }, 'batch item failed'));
  app.decorate('store', opts.store);
  app.decorate('readStore', opts.readStore ?? opts.store);
  app.decorate('services', services);
  app.decorate('lifecycle', { closing: false });
  const streams = new StreamHub(opts.store, app.log, opts.stream);
  app.decorate('streams', streams);
  app.addHook('onReady', () => streams.start());
  // Streams never finish on their own: end them before the server waits for open connections.
  app.addHook('preClose', async () => {
    app.lifecycle.closing = true;
    await streams.stop();
  });

  await app.register(cookie);
  await app.register(errorsPlugin);
  await app.register(telemetryPlugin);
  await app.register(authPlugin, { store: opts.store });
  await app.register(rateLimitPlugin, { store: opts.store, quotas: opts.rateLimits });
  await app.register(idempotencyPlugin, { store: opts.store });
  await app.register(etagPlugin);

  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  // While shutting down, a response that finishes tells the client to drop the connection, so a
  // kept-alive socket does not hold the server open until its keep-alive timeout.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (app.lifecycle.closing) reply.header('connection', 'close');
    return payload;
  });
  // PostgreSQL cannot store U+0000 in text; refuse it everywhere, the same on both databases.
  app.addHook('preValidation', async (req) => {
    const paths = [
      // Path ids too: a `%00` in `/sessions/:id` reached PostgreSQL and came back as a 500.
      ...nulPaths(req.params ?? null, 'params').map((p) => p.replace(/^params\//, '')),
      ...nulPaths(req.query, 'query').map((p) => p.replace(/^query\//, '')),
      ...nulPaths(req.body ?? null),
    ];
    if (paths.length)
      throw badRequest(paths.map((path) => ({ path, message: 'must not contain NUL (U+0000) characters' })));
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      {
        method: req.method,
        url: redactUrl(req.url),
        route: req.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        key: req.auth?.keyPrefix,
        ip: req.ip,
      },
      'request',
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Switchboard API',
        version: opts.version ?? '0.1.0',
        description:
          'Session monitoring for conversational AI agents. Errors are RFC 9457 problem documents (`application/problem+json`).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `swb_…`' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'sb_session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
  });

  await app.register(healthRoutes);
  await app.register(
    async (api) => {
      await api.register(authRoutes);
      await api.register(sessionRoutes);
      await api.register(streamRoutes);
      await api.register(ingestRoutes);
      await api.register(agentRoutes);
      await api.register(keyRoutes);
      await api.register(webhookRoutes, opts.webhooks ?? {});
    },
    { prefix: '/api/v1' },
  );

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
  });

  const webDir = opts.webDir;
  const hasWeb = webDir !== undefined && existsSync(join(webDir, 'index.html'));
  if (hasWeb) {
    await app.register(fastifyStatic, {
      root: webDir,
      wildcard: false,
      index: false,
      setHeaders(reply, path) {
        // Vite's assets/ files have content hashes in their names: cache them for good.
        reply.header(
          'cache-control',
          path.startsWith(join(webDir, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0];
    if (req.method === 'GET' && !path.startsWith('/api/') && hasWeb) {
      // The dashboard's client-side routes all load the same page.
      reply.header('content-security-policy', DASHBOARD_CSP).header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    }
    throw notFound(path.startsWith('/api/') ? 'Route' : 'Page');
  });

  return app;
}
