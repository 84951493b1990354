/**
 * The database, opened (and later closed) by whoever builds the app: `store` for writes, auth and
 * rate limits, `readStore` for the read API.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Store } from '../store/db.js';

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    /** Where the read API reads: the replica when one is configured, else `store`. */
    readStore: Store;
  }
}

interface StorePluginOptions {
  store: Store;
  /** A read replica (DATABASE_READ_URL); the primary `store` when absent. */
  readStore?: Store;
}

export const storePlugin = fp(
  async (app: FastifyInstance, opts: StorePluginOptions) => {
    app.decorate('store', opts.store);
    app.decorate('readStore', opts.readStore ?? opts.store);
  },
  { name: 'store' },
);
