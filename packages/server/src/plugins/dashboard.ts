/**
 * The built dashboard at `/` (skipped when its folder has no index.html), and the answer to
 * every request no route matched: a 405 with `Allow` when the path is known but the method is not
 * (plugins/methods.ts), the dashboard's page for its client-side routes, a 404 problem document
 * for everything else.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError, notFound } from '../lib/errors.js';

/**
 * Recordings play only from the hosts the operator allows (SWITCHBOARD_RECORDING_HOSTS, already
 * validated as host sources by parseRecordingHosts), so a URL in a transcript cannot make the
 * browser call out when someone opens the session.
 */
const mediaSrc = (hosts: readonly string[] = []) => `media-src ${hosts.length ? hosts.join(' ') : "'none'"}`;

const dashboardCsp = (recordingHosts?: readonly string[]) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    mediaSrc(recordingHosts),
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');

export const dashboardPlugin = fp(
  async (app: FastifyInstance, opts: { webDir?: string; recordingHosts?: readonly string[] }) => {
    const DASHBOARD_CSP = dashboardCsp(opts.recordingHosts);
    const webDir = opts.webDir;
    const hasWeb = webDir !== undefined && existsSync(join(webDir, 'index.html'));
    if (hasWeb) {
      await app.register(fastifyStatic, {
        root: webDir,
        wildcard: false,
        index: false,
        setHeaders(reply, path) {
          // The page itself, asked for by name, renders under the dashboard's policy, not the API's.
          if (path.endsWith('.html')) reply.header('content-security-policy', DASHBOARD_CSP);
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
      const allowed = app.allowedMethods(path);
      if (allowed.length && !allowed.includes(req.method))
        throw new ApiError(
          405,
          'method-not-allowed',
          `${path.slice(0, 200)} does not take ${req.method}; it takes ${allowed.join(', ')}.`,
          undefined,
          { allow: allowed.join(', ') },
        );
      if (req.method === 'GET' && !path.startsWith('/api/') && hasWeb) {
        // The dashboard's client-side routes all load the same page.
        reply.header('content-security-policy', DASHBOARD_CSP).header('cache-control', 'no-cache');
        return reply.sendFile('index.html');
      }
      throw notFound(path.startsWith('/api/') ? 'Route' : 'Page');
    });
  },
  { name: 'dashboard', dependencies: ['errors', 'methods'] },
);
