/**
 * The OpenAPI 3.1 document, built from the routes' schemas (so it is registered before them) and
 * finished from the route table by openapi-document.ts, at `/api/openapi.json`, and its browsable
 * reference at `/api/docs`: Scalar's standalone bundle, served by this server (no CDN: many
 * installs have no internet), in a Switchboard page.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { finishDocument, openapiPath, type RouteFacts, routeFacts } from './openapi-document.js';

const SCALAR_FILE = 'dist/browser/standalone.js';

/**
 * Scalar's bundle: beside the server bundle in the installed package (`dist/scalar`, copied there
 * by scripts/pack-server.mjs), else from the checkout's node_modules (a devDependency).
 */
export function scalarBundlePath(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  const shipped = join(here, 'scalar', 'standalone.js');
  if (existsSync(shipped)) return shipped;
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '@scalar', 'api-reference', SCALAR_FILE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * The page's own policy: our scripts only, Scalar's injected styles, requests to this server only
 * (the "Try it" client sends them here), and never in a frame.
 */
const REFERENCE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference · Switchboard</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/api/docs/switchboard.css">
</head>
<body>
<header class="sb-bar">
  <a class="sb-brand" href="/">
    <span class="sb-logo" aria-hidden="true"><svg viewBox="0 0 32 32"><path d="M8 10h16M8 16h10M8 22h13" stroke="currentColor" stroke-width="3" stroke-linecap="round" fill="none"/></svg></span>
    <span>Switchboard</span><span class="sb-sub">API reference</span>
  </a>
  <nav class="sb-links"><a href="/api/openapi.json">OpenAPI JSON</a><a href="/">Dashboard</a></nav>
</header>
<main id="reference"><noscript>The API reference needs JavaScript. The OpenAPI document is at <a href="/api/openapi.json">/api/openapi.json</a>.</noscript></main>
<script src="/api/docs/scalar.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>
`;

// Scalar's own variables, set to the dashboard's indigo and slate, and a top bar like its shell.
const CSS = `
:root { --sb-bar: 52px; }
body { margin: 0; font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.sb-bar { position: sticky; top: 0; z-index: 100; height: var(--sb-bar); box-sizing: border-box; display: flex; align-items: center; justify-content: space-between; gap: 12px; padding: 0 16px; background: #fff; border-bottom: 1px solid #e2e8f0; }
.sb-brand { display: flex; align-items: center; gap: 10px; color: #0f172a; text-decoration: none; font-weight: 600; font-size: 15px; min-width: 0; }
.sb-logo { display: flex; width: 30px; height: 30px; flex: none; align-items: center; justify-content: center; border-radius: 8px; background: #4f46e5; color: #fff; }
.sb-logo svg { width: 19px; height: 19px; }
.sb-sub { color: #64748b; font-weight: 500; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.sb-links { display: flex; gap: 16px; font-size: 14px; white-space: nowrap; }
.sb-links a { color: #4f46e5; text-decoration: none; font-weight: 500; }
.sb-links a:hover { text-decoration: underline; }
@media (max-width: 480px) { .sb-links a:first-child { display: none; } }
@media (prefers-color-scheme: dark) {
  .sb-bar { background: #0f172a; border-color: #1e293b; }
  .sb-brand { color: #f1f5f9; }
  .sb-sub { color: #94a3b8; }
  .sb-links a { color: #a5b4fc; }
}
.light-mode, .dark-mode { --scalar-custom-header-height: var(--sb-bar); }
.light-mode { --scalar-color-accent: #4f46e5; --scalar-background-1: #fff; --scalar-background-2: #f8fafc; --scalar-background-3: #f1f5f9; --scalar-border-color: #e2e8f0; --scalar-color-1: #0f172a; --scalar-color-2: #475569; --scalar-color-3: #64748b; }
.dark-mode { --scalar-color-accent: #a5b4fc; --scalar-background-1: #0f172a; --scalar-background-2: #111c33; --scalar-background-3: #1e293b; --scalar-border-color: #1e293b; --scalar-color-1: #f1f5f9; --scalar-color-2: #cbd5e1; --scalar-color-3: #94a3b8; }
`;

// Kept out of the page so the policy needs no inline script. Follows the system's light or dark.
const INIT = `(function () {
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  window.Scalar.createApiReference('#reference', {
    url: '/api/openapi.json',
    theme: 'none',
    withDefaultFonts: false,
    darkMode: dark,
    hideDarkModeToggle: true,
    hideClientButton: false,
    showDeveloperTools: 'never',
    agent: { disabled: true },
    mcp: { disabled: true },
    telemetry: false,
    defaultHttpClient: { targetKey: 'shell', clientKey: 'curl' },
    metaData: { title: 'API reference · Switchboard' }
  });
})();
`;

const apiReference = fp(
  async (app: FastifyInstance) => {
    const bundlePath = scalarBundlePath();
    // Read once: 4.8 MB, served to every visitor of the reference, cached by the browser a day.
    const bundle = bundlePath ? readFileSync(bundlePath) : null;
    const hidden = { schema: { hide: true } };
    app.get('/api/docs', hidden, async (_req, reply) => {
      reply.header('content-security-policy', REFERENCE_CSP).type('text/html; charset=utf-8');
      return PAGE;
    });
    app.get('/api/docs/', hidden, async (_req, reply) => reply.redirect('/api/docs'));
    app.get('/api/docs/init.js', hidden, async (_req, reply) =>
      reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(INIT),
    );
    app.get('/api/docs/switchboard.css', hidden, async (_req, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(CSS),
    );
    app.get('/api/docs/scalar.js', hidden, async (_req, reply) => {
      if (!bundle) {
        app.log.error('the API reference bundle (@scalar/api-reference) is missing from this installation');
        return reply
          .code(404)
          .type('text/javascript; charset=utf-8')
          .send(
            "document.getElementById('reference').textContent = 'The API reference is not part of this installation; the OpenAPI document is at /api/openapi.json.';",
          );
      }
      return reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(bundle);
    });
  },
  { name: 'api-reference' },
);

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
    await app.register(apiReference);
  },
  { name: 'openapi' },
);
