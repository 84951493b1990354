/**
 * `switchboard serve`: migrate, bootstrap, listen, sweep idle sessions, and shut down gracefully
 * on SIGTERM/SIGINT (DESIGN §3.6): /readyz turns 503, new requests get 503, in-flight requests
 * finish, and the process exits 0 within 10 s; a second signal exits at once.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp, loggerOptions } from './app.js';
import { bootstrap } from './bootstrap.js';
import type { Config } from './config.js';
import { useEncryptionKey } from './lib/secret-box.js';
import { IdleSweeper } from './services/idle.js';
import { RetentionJob } from './services/retention.js';
import { WebhookWorker } from './services/webhooks/worker.js';
import { openStore, type Store } from './store/db.js';
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
  useEncryptionKey(config.encryptionKey ?? null);
  const store = openStore(config.databaseUrl);
  await migrate(store);
  const boot = await bootstrap(store, { adminKey: config.adminKey, dataDir: config.dataDir });
  const readStore = config.databaseReadUrl ? openStore(config.databaseReadUrl) : undefined;
  // The worker needs the app's logger and the routes need to wake the worker: a late binding.
  let webhooks: WebhookWorker | undefined;
  const app = await buildApp({
    store,
    readStore,
    trustProxy: config.trustProxy,
    logger: loggerOptions(config.logLevel),
    webDir: config.webDir,
    rateLimits: config.rateLimits,
    webhooks: { allowPrivate: config.webhooks.allowPrivate, onEnqueue: () => webhooks?.wake() },
  });
  webhooks = new WebhookWorker(store, config.webhooks, app.log);
  const sweeper = new IdleSweeper(store, app.services.ingest, config.idleTimeout, app.log);
  // Runs even with retention off (0): it also keeps next month's partitions ready on PostgreSQL.
  const retention = new RetentionJob(store, config.retentionMonths, app.log);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = config.publicUrl.replace(/:\d+$/, `:${port}`);
  sweeper.start();
  retention.start();
  webhooks.start();
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
      app.lifecycle.closing = true;
      await opts.beforeStop?.();
      await Promise.all([sweeper.stop(), retention.stop()]);
      // Requests still running after 7 s (a slow client reading a large export) are cut, so the
      // process still exits 0 within 10 s. A cut chunked response lacks its final chunk: the
      // client sees an error, never a short file that looks complete.
      const cut = setTimeout(() => app.server.closeAllConnections(), 7000);
      cut.unref();
      // Webhook attempts in flight finish (or go back to the queue) while requests drain.
      await Promise.all([webhooks.stop(), app.close()]);
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
