/**
 * `switchboard serve`: open the store, migrate, bootstrap, build the app (whose jobs start with
 * it), listen, and shut down gracefully on SIGTERM/SIGINT: /readyz turns 503, new requests get
 * 503, in-flight requests finish, and the process exits 0 within 10 s; a second signal exits at
 * once.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp, loggerOptions } from './app.js';
import { bootstrap } from './bootstrap.js';
import type { Config } from './config.js';
import { openStore, type Store } from './store/db.js';
import { prepareSecretKey } from './secret-key.js';
import { migrate } from './store/migrate.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  handleSignals?: boolean;
  /** Runs first when the server stops, while the store is still open (`demo` stops its live traffic). */
  beforeStop?: () => Promise<void>;
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const store = openStore(config.databaseUrl);
  await migrate(store);
  const secretKey = await prepareSecretKey(store, { configured: config.encryptionKey, dataDir: config.dataDir });
  const boot = await bootstrap(store, { adminKey: config.adminKey, dataDir: config.dataDir });
  const readStore = config.databaseReadUrl ? openStore(config.databaseReadUrl) : undefined;
  const app = await buildApp({
    store,
    readStore,
    trustProxy: config.trustProxy,
    http: config.http,
    metricsToken: config.metricsToken,
    publicUrl: config.publicUrl,
    logger: loggerOptions(config.logLevel, config.logFormat),
    webDir: config.webDir,
    rateLimits: config.rateLimits,
    recordingHosts: config.recordingHosts,
    accounts: { oidc: config.oidc, smtp: config.smtp },
    sessionLimits: config.sessionLimits,
    redact: config.redact,
    webhooks: { allowPrivate: config.webhooks.allowPrivate },
    // Retention runs even when off (0): it also keeps next month's partitions ready on PostgreSQL.
    jobs: {
      idleTimeout: config.idleTimeout,
      otlpSessionIdle: config.otlpSessionIdle,
      retentionMonths: config.retentionMonths,
      sweepExpired: true,
      webhooks: config.webhooks,
      backgroundJobs: {},
      alerts: { ...config.webhooks, intervalSeconds: config.alertInterval },
    },
  });
  // While the organization has nobody, every start prints a fresh one-time link that creates the
  // first admin (docs/SECURITY.md#people-and-roles); the admin key stays for automation. Made
  // before listening: once /readyz answers, everything a start does (the banner, the signal
  // handlers) is done, so a SIGTERM right after it is handled, not fatal.
  const setupPath = await app.services.accounts.issueSetupLink(boot.orgId, '');
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.publicUrl.replace(/:\d+$/, `:${port}`);
  const setupUrl = setupPath && `${url}${setupPath}`;
  app.log.info(
    {
      url,
      database: store.describe,
      readReplica: readStore?.describe,
      idleTimeout: config.idleTimeout,
      retentionMonths: config.retentionMonths,
    },
    'switchboard listening',
  );
  if (secretKey.generated)
    app.log.info(
      { file: secretKey.file },
      'generated the key that encrypts webhook secrets: keep this file with every backup of the database',
    );
  if (secretKey.sealed > 0)
    app.log.info({ secrets: secretKey.sealed }, 'encrypted webhook secrets stored as plaintext');
  if (secretKey.unreadable > 0)
    app.log.error(
      { webhooks: secretKey.unreadable, keyFile: secretKey.file },
      'webhook secrets encrypted with another key cannot be opened, so their deliveries fail: start with the key they were encrypted with, or rotate those webhooks’ secrets',
    );

  const color = config.logFormat === 'pretty' && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  if (boot.generatedKey) {
    // Printed once, to the terminal, not through the logger: keys never go into logs.
    process.stdout.write(firstStartBanner({ url, key: boot.generatedKey, keyFile: boot.keyFile, setupUrl, color }));
  } else if (setupUrl) {
    process.stdout.write(setupBanner(setupUrl, color));
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await opts.beforeStop?.();
      // Requests still running after 7 s (a slow client reading a large export) are cut, so the
      // process still exits 0 within 10 s. A cut chunked response lacks its final chunk: the
      // client sees an error, never a short file that looks complete.
      const cut = setTimeout(() => app.server.closeAllConnections(), 7000);
      cut.unref();
      // Closing ends the live streams, stops the jobs and lets webhook attempts in flight finish
      // (or go back to the queue) while requests drain (plugins/lifecycle.ts, plugins/jobs.ts).
      await app.close();
      clearTimeout(cut);
      await Promise.all([store.close(), readStore?.close()]);
    })();
    return stopping;
  };

  if (opts.handleSignals) {
    let signals = 0;
    const onSignal = (signal: string) => {
      if (++signals > 1) {
        app.log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      app.log.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        app.log.error('shutdown took longer than 10 s: exiting');
        process.exit(1);
      }, 10_000);
      force.unref();
      stop().then(
        () => process.exit(0),
        (err) => {
          app.log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  }
  return { app, store, url, stop };
}

/**
 * The first start's admin key and login link. In a terminal they are framed and bold, so they
 * stand out from the log lines around them; elsewhere plain text, as it always was.
 */
export function firstStartBanner(opts: {
  url: string;
  key: string;
  keyFile?: string;
  setupUrl?: string;
  color: boolean;
}): string {
  const bold = (t: string) => (opts.color ? `\x1b[1m${t}\x1b[22m` : t);
  const accent = (t: string) => (opts.color ? `\x1b[1;36m${t}\x1b[0m` : t);
  const login = `${opts.url}/login#key=${opts.key}`;
  const rule = opts.color ? `  ${'─'.repeat(Math.min(100, login.length + 4))}` : '';
  return `${[
    '',
    rule,
    `  ${bold('Switchboard is running.')}`,
    '',
    `  Admin API key (shown once, also saved to ${opts.keyFile}):`,
    `    ${accent(opts.key)}`,
    '',
    '  Sign in to the dashboard:',
    `    ${accent(login)}`,
    ...(opts.setupUrl ? ['', '  Create the first admin account (one-time link):', `    ${accent(opts.setupUrl)}`] : []),
    rule,
    '',
  ]
    .filter((l, i, all) => l !== '' || all[i - 1] !== '' || i === 0)
    .join('\n')}\n`;
}

/** The one-time link that creates the first admin, printed at each start until someone used one. */
export function setupBanner(setupUrl: string, color: boolean): string {
  const accent = (t: string) => (color ? `\x1b[1;36m${t}\x1b[0m` : t);
  return `\n  Nobody has an account yet. Create the first admin (one-time link):\n    ${accent(setupUrl)}\n\n`;
}
