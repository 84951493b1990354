/** The services the routes call, on the app's store, and the live stream's hub. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { RedactionDetector } from '@switchboard/contracts';
import type { SessionLimits } from '../lib/transcript.js';
import { AccountService, type LockoutPolicy } from '../services/accounts.js';
import { AuditService } from '../services/audit.js';
import { Mailer } from '../services/mail.js';
import type { SmtpConfig } from '../config.js';
import { type OidcOptions, OidcService } from '../services/oidc.js';
import { AlertService } from '../services/alerts.js';
import { BatchService } from '../services/batch.js';
import { IngestService } from '../services/ingest.js';
import { IntegrationService } from '../services/integrations/service.js';
import { KeyService } from '../services/keys.js';
import { OtlpService } from '../services/otlp/service.js';
import { ReadService } from '../services/read.js';
import { ReviewService } from '../services/review.js';
import { RedactionService } from '../services/redaction.js';
import { StreamHub, type StreamOptions } from '../services/stream.js';
import { WebhookService, type WebhookServiceOptions } from '../services/webhooks/service.js';

export interface Services {
  ingest: IngestService;
  read: ReadService;
  batch: BatchService;
  keys: KeyService;
  webhooks: WebhookService;
  otlp: OtlpService;
  integrations: IntegrationService;
  review: ReviewService;
  audit: AuditService;
  accounts: AccountService;
  /** SSO, when an issuer is configured. */
  oidc?: OidcService;
  alerts: AlertService;
  redaction: RedactionService;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    streams: StreamHub;
  }
}

interface ServicesPluginOptions {
  stream?: StreamOptions;
  sessionLimits?: SessionLimits;
  /** SWITCHBOARD_REDACT: detectors for organizations without their own setting. */
  redact?: RedactionDetector[];
  webhooks?: WebhookServiceOptions;
  /** Where links in invitations and the setup link point. */
  publicUrl?: string;
  lockout?: LockoutPolicy;
  oidc?: OidcOptions;
  /** Where invitations are e-mailed through; none: the admin gives the link themselves. */
  smtp?: SmtpConfig;
}

export const servicesPlugin = fp(
  async (app: FastifyInstance, opts: ServicesPluginOptions) => {
    const redaction = new RedactionService(app.store, opts.redact ?? []);
    const ingest = new IngestService(app.store, opts.sessionLimits, redaction);
    const batch = new BatchService(app.store, ingest, (err) => app.log.error({ err }, 'batch item failed'));
    const audit = new AuditService(app.store);
    const review = new ReviewService(app.store);
    const accounts = new AccountService(app.store, audit, {
      publicUrl: opts.publicUrl ?? '',
      lockout: opts.lockout,
      mailer: opts.smtp ? new Mailer(opts.smtp) : undefined,
    });
    app.decorate<Services>('services', {
      audit,
      accounts,
      oidc: opts.oidc ? new OidcService(app.store, accounts, opts.oidc, opts.publicUrl ?? '') : undefined,
      ingest,
      read: new ReadService(app.readStore),
      batch,
      otlp: new OtlpService(app.store, batch),
      integrations: new IntegrationService(app.store, batch, review),
      keys: new KeyService(app.store),
      webhooks: new WebhookService(app.store, opts.webhooks),
      review,
      alerts: new AlertService(app.store, app.readStore, opts.webhooks),
      redaction,
    });
    const streams = new StreamHub(app.store, app.log, opts.stream);
    app.decorate('streams', streams);
    app.addHook('onReady', () => streams.start());
    // Streams never finish on their own: end them before the server waits for open connections.
    app.addHook('preClose', () => streams.stop());
  },
  { name: 'services', dependencies: ['store'] },
);
