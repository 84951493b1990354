/**
 * The application, as a table of contents: infrastructure plugins, then the store, the services
 * on it and the jobs beside them, then per-request policy (auth, rate limits, idempotency,
 * ETags), the routes and the dashboard. Each plugin is a named file in plugins/ that declares the
 * plugins it depends on; each route group is a file in routes/.
 */
import cookie from '@fastify/cookie';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LIMITS, type RedactionDetector } from '@switchboard/contracts';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { HTTP_LIMITS, type HttpLimits, type SmtpConfig } from './config.js';
import { requestIdOf } from './lib/request-id.js';
import { auditPlugin } from './plugins/audit.js';
import { authPlugin } from './plugins/auth.js';
import { connectionsPlugin } from './plugins/connections.js';
import { dashboardPlugin } from './plugins/dashboard.js';
import { clientErrorHandler, errorsPlugin, frameworkErrors } from './plugins/errors.js';
import { etagPlugin } from './plugins/etag.js';
import { idempotencyPlugin } from './plugins/idempotency.js';
import { type JobOptions, jobsPlugin } from './plugins/jobs.js';
import { jsonParserPlugin } from './plugins/json-parser.js';
import { lifecyclePlugin } from './plugins/lifecycle.js';
import { methodsPlugin } from './plugins/methods.js';
import { openapiPlugin } from './plugins/openapi.js';
import { type RateQuotas, rateLimitPlugin } from './plugins/rate-limit.js';
import { requestLogPlugin } from './plugins/request-log.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { servicesPlugin } from './plugins/services.js';
import { storePlugin } from './plugins/store.js';
import { telemetryPlugin } from './plugins/telemetry.js';
import { validationPlugin } from './plugins/validation.js';
import { healthRoutes } from './routes/health.js';
import { apiRoutes } from './routes/index.js';
import { integrationInboxRoutes } from './routes/integrations.js';
import { otlpRoutes } from './routes/otlp.js';
import type { StreamOptions } from './services/stream.js';
import type { LockoutPolicy } from './services/accounts.js';
import type { OidcOptions } from './services/oidc.js';

export interface AccountOptions {
  lockout?: LockoutPolicy;
  oidc?: OidcOptions;
  /** Invitations are also e-mailed through this server (SWITCHBOARD_SMTP_URL). */
  smtp?: SmtpConfig;
}
import type { SessionLimits } from './lib/transcript.js';
import { type LogFormat, prettyStream } from './lib/log-format.js';
import type { Store } from './store/db.js';

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
  /** The ceilings on one session's transcript (SWITCHBOARD_SESSION_MAX_*); the defaults when absent. */
  sessionLimits?: SessionLimits;
  /** The detectors of organizations without their own redaction settings (SWITCHBOARD_REDACT); none when absent. */
  redact?: RedactionDetector[];
  /** Whether webhooks may target private addresses; `onEnqueue` hears of work the routes queue. */
  webhooks?: { allowPrivate?: boolean; onEnqueue?: () => void };
  /** Hosts the dashboard may play recordings from (SWITCHBOARD_RECORDING_HOSTS); none when absent. */
  recordingHosts?: string[];
  /** The background jobs to run with the app; none unless given (see plugins/jobs.ts). */
  jobs?: JobOptions;
  /** Timeouts and the per-address connection cap (plugins/connections.ts); HTTP_LIMITS by default. */
  http?: Partial<HttpLimits>;
  /** The bearer token `GET /metrics` needs; without one the route answers 404. */
  metricsToken?: string;
  /** Where users reach this server (SWITCHBOARD_PUBLIC_URL): the OpenAPI document's `servers`. */
  publicUrl?: string;
  /** Team accounts: the sign-in lockout (tests shorten it) and SSO (services/accounts.ts, oidc.ts). */
  accounts?: AccountOptions;
}

/**
 * pino settings: one line per request, and never a key, cookie or secret in it. `pretty` writes
 * the same lines for a person (lib/log-format.ts), to stdout.
 */
export function loggerOptions(level: string, format: LogFormat = 'json'): FastifyServerOptions['logger'] {
  return {
    level,
    ...(format === 'pretty' ? { stream: prettyStream(process.stdout) } : {}),
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]', '*.key', '*.secret'],
      censor: '[redacted]',
    },
  };
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const limits: HttpLimits = { ...HTTP_LIMITS, ...opts.http };
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: LIMITS.bodyBytes,
    // One line per request, written by plugins/request-log.ts.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestIdOf,
    // Shutting down answers with a problem document of plugins/lifecycle.ts instead.
    return503OnClosing: false,
    trustProxy: opts.trustProxy ?? false,
    routerOptions: { maxParamLength: 512 },
    frameworkErrors,
    clientErrorHandler,
    // Node's defaults let a trickle of bytes hold a connection forever (plugins/connections.ts).
    // The headers and the whole request are timed from the request's first byte; the idle timeout
    // covers a connection between requests and a response that stopped moving.
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.idleTimeoutMs,
    requestTimeout: limits.bodyTimeoutMs,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.bodyTimeoutMs,
      // How often Node looks for requests past those deadlines (its default is every 30 s).
      connectionsCheckingInterval: Math.max(100, Math.min(1000, limits.headersTimeoutMs / 4)),
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(securityHeadersPlugin);
  await app.register(requestLogPlugin);
  await app.register(lifecyclePlugin);
  await app.register(errorsPlugin);
  await app.register(jsonParserPlugin);
  await app.register(validationPlugin);
  await app.register(methodsPlugin);
  await app.register(telemetryPlugin);
  await app.register(connectionsPlugin, { limits, trustProxy: opts.trustProxy });
  await app.register(openapiPlugin, { version: opts.version, publicUrl: opts.publicUrl });
  await app.register(cookie);

  await app.register(storePlugin, { store: opts.store, readStore: opts.readStore });
  await app.register(servicesPlugin, {
    stream: opts.stream,
    webhooks: { allowPrivate: opts.webhooks?.allowPrivate },
    sessionLimits: opts.sessionLimits,
    publicUrl: opts.publicUrl,
    lockout: opts.accounts?.lockout,
    oidc: opts.accounts?.oidc,
    smtp: opts.accounts?.smtp,
    redact: opts.redact,
  });
  await app.register(jobsPlugin, { ...opts.jobs, onWebhookWork: opts.webhooks?.onEnqueue });

  await app.register(authPlugin);
  await app.register(auditPlugin);
  await app.register(rateLimitPlugin, { quotas: opts.rateLimits });
  await app.register(idempotencyPlugin);
  await app.register(etagPlugin);

  await app.register(healthRoutes, { metricsToken: opts.metricsToken });
  await app.register(apiRoutes, { prefix: '/api/v1', recordingHosts: opts.recordingHosts });
  // OTLP/HTTP's own path: exporters append /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT.
  await app.register(otlpRoutes, { prefix: '/api/otlp' });
  // Where Vapi and Retell post, authenticated by their own signatures.
  await app.register(integrationInboxRoutes, { prefix: '/api/integrations' });
  await app.register(dashboardPlugin, { webDir: opts.webDir, recordingHosts: opts.recordingHosts });
  return app;
}
