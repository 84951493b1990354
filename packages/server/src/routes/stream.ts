/** `GET /stream`: the live stream as Server-Sent Events (services/stream.ts). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { StreamQuery } from '@switchboard/contracts';
import { badRequest } from '../lib/errors.js';
import { problemResponses } from '../lib/problem.js';
import { authOf } from '../plugins/auth.js';
import { parseFilters } from '../services/filters.js';

export const streamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/stream',
    {
      config: { scope: 'read' },
      schema: {
        tags: ['Sessions'],
        summary: 'Live events (Server-Sent Events)',
        description:
          'Every session.started, session.updated, session.ended, message.created and event.created of the organization, in commit order; `id:` is the event id. Reconnect with `Last-Event-ID` (or `lastEventId`) to replay what was missed. A `: heartbeat` comment every 15 s. Takes the shared filters except `transcript` (a 400: a stream matches each event as it happens, not a session’s words).',
        querystring: StreamQuery,
        response: {
          200: {
            description: 'An endless text/event-stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (req, reply) => {
      const { lastEventId: fromQuery, ...query } = req.query;
      const filter = parseFilters(query);
      const header = req.headers['last-event-id'];
      const resume = (Array.isArray(header) ? header[0] : header) ?? fromQuery;
      if (resume !== undefined && !/^[0-9]{1,18}$/.test(resume))
        throw badRequest([{ path: 'Last-Event-ID', message: 'must be an event id from this stream (digits)' }]);
      const { orgId } = authOf(req);
      reply.hijack();
      // A stream is quiet between events by design: the connection idle timeout does not apply.
      // A heartbeat goes out every 15 s, and a client that stops reading is dropped
      // (services/stream.ts), so a stream that is gone does not stay open.
      req.raw.socket.setTimeout(0);
      reply.raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Tells nginx-style proxies not to buffer the stream.
        'x-accel-buffering': 'no',
      });
      reply.raw.flushHeaders();
      await app.streams.subscribe(orgId, filter, reply.raw, resume === undefined ? undefined : Number(resume));
    },
  );
};
