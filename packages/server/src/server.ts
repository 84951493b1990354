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
    logger: loggerOptions(config.logLevel),
    webDir: config.webDir,
    rateLimits: config.rateLimits,
    recordingHosts: config.recordingHosts,
    sessionLimits: config.sessionLimits,
    webhooks: { allowPrivate: config.webhooks.allowPrivate },
    // Retention runs even when off (0): it also keeps next month's partitions ready on PostgreSQL.
    jobs: {
      idleTimeout: config.idleTimeout,
      otlpSessionIdle: config.otlpSessionIdle,
      retentionMonths: config.retentionMonths,
      sweepExpired: true,
      webhooks: config.webhooks,
    },
  });
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.publicUrl.replace(/:\d+$/, `:${port}`);
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

  if (boot.generatedKey) {
    // Printed once, to the terminal, not through the logger: keys never go into logs.
    process.stdout.write(
      [
        '',
        '  Switchboard is running.',
        '',
        `  Admin API key (shown once, also saved to ${boot.keyFile}):`,
        `    ${boot.generatedKey}`,
        '',
        '  Sign in to the dashboard:',
        `    ${url}/login#key=${boot.generatedKey}`,
        '',
      ].join('\n') + '\n',
    );
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
