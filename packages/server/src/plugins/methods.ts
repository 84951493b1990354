/**
 * Which methods each path answers, from the route table: a request with a method a known path does
 * not take gets a 405 with `Allow` (RFC 9110 §15.5.6) from the not-found handler, not a 404 that
 * says the path does not exist.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The methods the routes at this path answer (with HEAD beside GET), or [] for none. */
    allowedMethods(path: string): string[];
  }
}

/** A route's URL as a pattern: `:id` is one segment, `*` is the rest. */
const patternOf = (url: string) =>
  new RegExp(
    `^${url
      .split('/')
      .map((part) =>
        part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/')}$`,
  );

export const methodsPlugin = fp(
  async (app: FastifyInstance) => {
    const routes: Array<{ pattern: RegExp; methods: Set<string> }> = [];
    const byUrl = new Map<string, Set<string>>();
    app.addHook('onRoute', (route) => {
      let methods = byUrl.get(route.url);
      if (!methods) {
        methods = new Set();
        byUrl.set(route.url, methods);
        routes.push({ pattern: patternOf(route.url), methods });
      }
      for (const m of [route.method].flat()) methods.add(m.toUpperCase());
    });
    app.decorate('allowedMethods', (path: string) => {
      const allowed = new Set<string>();
      for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) allowed.add(m);
      if (allowed.has('GET')) allowed.add('HEAD');
      return [...allowed].sort();
    });
  },
  { name: 'methods' },
);
