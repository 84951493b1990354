/** Sessions: the ingest routes and the read routes, thin over services/ingest.ts and services/read.ts. */
import {
  AppendEventsBody,
  AppendEventsResult,
  AppendMessagesBody,
  AppendMessagesResult,
  CreateSessionBody,
  ExportedSession,
  ExportQuery,
  ListSessionsQuery,
  Metrics,
  Session,
  SessionDetail,
  SessionFilters,
  SessionIdParams,
  SessionList,
  TAG_FIELDS,
  Timeseries,
  TimeseriesQuery,
  TranscriptPage,
  TranscriptQuery,
  UpdateSessionBody,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Filled } from '../lib/ajv.js';
import { problemResponses } from '../lib/problem.js';
import { ApiError } from '../lib/errors.js';
import { authOf, hasScope } from '../plugins/auth.js';
import { filterErrors } from '../services/filters.js';
import { exportContentType } from '../services/read.js';

const ingest = { scope: 'ingest' as const };
/** `PATCH /sessions/:id`: `ingest` changes anything, `review` the tags only. */
const updating = { scope: ['ingest', 'review'] as ('ingest' | 'review')[] };
const read = { scope: 'read' as const, queryErrors: filterErrors };

export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ingest: ingestService, read: readService } = app.services;

  // ─── ingest ───────────────────────────────────────────────────────────────────────────────
  app.post(
    '/sessions',
    {
      config: ingest,
      schema: {
        tags: ['Ingest'],
        summary: 'Start a session',
        description:
          'Creates a session. Idempotent on `id`: the same id with the same body returns 200 and the stored session; the same id with other fields is a 409. `tags` (at most 20) are stored in lower case, each once.',
        body: CreateSessionBody,
        response: { 200: Session, 201: Session, ...problemResponses(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (req, reply) => {
      const { status, session } = await ingestService.createSession(authOf(req).orgId, req.body);
      reply.code(status);
      if (status === 201) reply.header('location', `/api/v1/sessions/${encodeURIComponent(session.id)}`);
      return session;
    },
  );

  app.post(
    '/sessions/:id/messages',
    {
      config: ingest,
      schema: {
        tags: ['Ingest'],
        summary: 'Append messages',
        description:
          '1–500 messages, stored in order with gap-free `seq`. A message whose `id` is already stored is counted as a duplicate and not stored again; `messages` lists every input in order as stored. A session holds at most SWITCHBOARD_SESSION_MAX_MESSAGES messages and SWITCHBOARD_SESSION_MAX_BYTES bytes of transcript: an append that would pass either is refused whole with a 422 `session-limit`.',
        params: SessionIdParams,
        body: AppendMessagesBody,
        response: { 201: AppendMessagesResult, ...problemResponses(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return ingestService.appendMessages(authOf(req).orgId, req.params.id, req.body.messages);
    },
  );

  app.post(
    '/sessions/:id/events',
    {
      config: ingest,
      schema: {
        tags: ['Ingest'],
        summary: 'Append system events',
        description:
          'Like messages: at most SWITCHBOARD_SESSION_MAX_EVENTS events per session, and their data counts toward SWITCHBOARD_SESSION_MAX_BYTES (422 `session-limit`).',
        params: SessionIdParams,
        body: AppendEventsBody,
        response: { 201: AppendEventsResult, ...problemResponses(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return ingestService.appendEvents(authOf(req).orgId, req.params.id, req.body.events);
    },
  );

  app.patch(
    '/sessions/:id',
    {
      config: updating,
      schema: {
        tags: ['Ingest'],
        summary: 'Update or end a session',
        description:
          'Metadata merges (a `null` value deletes the key). Moving from `active` to a terminal status ends the session and records a `status_changed` event; a terminal status is final (422 on change, 200 when repeated). `tags` replaces the tags, `addTags` and `removeTags` change them (applied in that order; stored in lower case, each once, at most 20, else 422 `too-many-tags`). Any change emits one `session.updated`; a body that changes nothing emits none. Scope `ingest`; with `review` only, the body may hold only `tags`, `addTags` and `removeTags` (else 403). A change of tags alone does not count as activity for the idle timeout.',
        params: SessionIdParams,
        body: UpdateSessionBody,
        response: { 200: Session, ...problemResponses(400, 401, 403, 404, 415, 422) },
      },
    },
    async (req) => {
      const auth = authOf(req);
      if (!hasScope(auth, 'ingest')) {
        const other = Object.keys(req.body).filter((k) => !(TAG_FIELDS as readonly string[]).includes(k));
        if (other.length || !Object.keys(req.body).length)
          throw new ApiError(
            403,
            'forbidden',
            `With the review scope, a session's update may change only ${TAG_FIELDS.join(', ')}${other.length ? `; ${other.join(', ')} need${other.length === 1 ? 's' : ''} the ingest scope` : ''}.`,
          );
      }
      return ingestService.updateSession(auth.orgId, req.params.id, req.body);
    },
  );

  // ─── read ─────────────────────────────────────────────────────────────────────────────────
  app.get(
    '/sessions',
    {
      config: read,
      schema: {
        tags: ['Sessions'],
        summary: 'List sessions',
        description:
          'Filtered, sorted, paginated. Use `nextCursor` as `cursor` to page deep result sets without offset cost. Also accepts `metadata.<key>=<value>` (exact match, ANDed).',
        querystring: ListSessionsQuery,
        response: { 200: SessionList, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => readService.list(authOf(req).orgId, req.query),
  );

  app.get(
    '/sessions/metrics',
    {
      config: read,
      schema: {
        tags: ['Sessions'],
        summary: 'Session metrics',
        querystring: SessionFilters,
        response: { 200: Metrics, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => readService.metrics(authOf(req).orgId, req.query),
  );

  app.get(
    '/sessions/timeseries',
    {
      config: read,
      schema: {
        tags: ['Sessions'],
        summary: 'Sessions over time',
        description:
          'Buckets over [from, to). Default range: the last 24 hours by hour, or the last 30 days with interval=day. Empty buckets are included.',
        querystring: TimeseriesQuery,
        response: { 200: Timeseries, ...problemResponses(400, 401, 403) },
      },
    },
    async (req) => readService.timeseries(authOf(req).orgId, req.query),
  );

  app.get(
    '/sessions/export',
    {
      config: { ...read, rateLimit: 'export' },
      schema: {
        tags: ['Sessions'],
        summary: 'Export sessions',
        description:
          'Streams every matching session (no cap) as CSV, a JSON array of full sessions (with every message and event), or NDJSON. A large transcript is read and written a page at a time.',
        querystring: ExportQuery,
        response: {
          200: {
            description: 'The file, streamed',
            content: {
              'text/csv': { schema: { type: 'string' } },
              'application/json': { schema: { type: 'array', items: ExportedSession } },
              'application/x-ndjson': { schema: { type: 'string' } },
            },
          },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (req, reply) => {
      const { format } = req.query as Filled<ExportQuery, 'format'>;
      const body = readService.export(authOf(req).orgId, req.query);
      const stamp = new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      reply
        .header('content-type', exportContentType[format])
        .header('content-disposition', `attachment; filename="sessions-${stamp}.${format}"`)
        .header('cache-control', 'no-store');
      return reply.send(body as never);
    },
  );

  app.get(
    '/sessions/:id',
    {
      config: read,
      schema: {
        tags: ['Sessions'],
        summary: 'A session with the first page of its transcript',
        description:
          'The session, with its first messages and events (each in seq order, at most 200 of each and 512 KiB of each). When `transcript.hasMore`, `GET /sessions/{id}/transcript?cursor=<transcript.nextCursor>` pages the rest.',
        params: SessionIdParams,
        response: { 200: SessionDetail, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => readService.detail(authOf(req).orgId, req.params.id),
  );

  app.get(
    '/sessions/:id/transcript',
    {
      config: read,
      schema: {
        tags: ['Sessions'],
        summary: 'A page of a session’s transcript',
        description:
          'The next messages and events after `cursor` (from `nextCursor` of the detail or the previous page; the first page without one), each in seq order, at most `limit` of each and 512 KiB of each. A cursor another session or another server issued is a 400.',
        params: SessionIdParams,
        querystring: TranscriptQuery,
        response: { 200: TranscriptPage, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (req) => readService.transcript(authOf(req).orgId, req.params.id, req.query),
  );
};
