/**
 * Input validation: the Ajv instances of lib/ajv.ts behind every route's schema (bodies strict,
 * query strings and path parameters coerced from text), and one refusal of U+0000 anywhere.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { bodyAjv, queryAjv } from '../lib/ajv.js';
import { badRequest } from '../lib/errors.js';
import { nulPaths } from '../services/validate.js';

/**
 * The query string of a route that takes no parameters: none at all. Without a schema Fastify
 * ignores whatever is there, so `GET /keys?limit=5` looked like it worked and quietly did not.
 */
const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false } as const;

export const validationPlugin = fp(
  async (app: FastifyInstance) => {
    // Every documented route refuses query parameters it does not know, also the ones that
    // declare none (the document's own routes and the dashboard's files are hidden and left alone).
    app.addHook('onRoute', (route) => {
      const schema = route.schema as { hide?: boolean; querystring?: unknown } | undefined;
      if (schema && !schema.hide && !schema.querystring) route.schema = { ...schema, querystring: NO_QUERY };
    });
    app.setValidatorCompiler(({ schema, httpPart }) =>
      httpPart === 'body' ? bodyAjv.compile(schema) : queryAjv.compile(schema),
    );
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
  },
  { name: 'validation', dependencies: ['errors'] },
);
