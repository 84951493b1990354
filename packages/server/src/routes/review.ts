/**
 * Review: tags, scores, notes and the reviewed mark of a session, tag counts, saved views, bulk
 * actions and their jobs. Thin over services/review.ts (docs/REVIEW.md).
 */
import {
  BulkBody,
  CreateNoteBody,
  CreateViewBody,
  Job,
  JobAccepted,
  JobIdParams,
  Note,
  NoteParams,
  PutScoreBody,
  SavedView,
  SavedViewList,
  ScoreParams,
  Session,
  SessionIdParams,
  TagCounts,
  UpdateTagsBody,
  UpdateViewBody,
  ViewIdParams,
} from '@switchboard/contracts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemResponses } from '../lib/problem.js';
import { actorOf, authOf } from '../plugins/auth.js';

const review = { scope: 'review' as const };
const tagging = { scope: ['review', 'ingest'] as ('review' | 'ingest')[] };
const read = { scope: 'read' as const };
const noContent = { type: 'null', description: 'Done' } as const;
const tags = ['Review'];

export const reviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const svc = app.services.review;

  app.patch(
    '/sessions/:id/tags',
    {
      config: tagging,
      schema: {
        tags,
        summary: 'Change a session’s tags',
        description:
          '`tags` replaces them all; `addTags` and `removeTags` change them (applied in that order). Tags are stored in lower case, each once, at most 20. A change emits `session.updated`. Scope `review` or `ingest`.',
        params: SessionIdParams,
        body: UpdateTagsBody,
        response: { 200: Session, ...problemResponses(400, 401, 403, 404, 415, 422) },
      },
    },
    async (req) => svc.updateTags(authOf(req).orgId, req.params.id, req.body),
  );

  app.put(
    '/sessions/:id/scores/:name',
    {
      config: review,
      schema: {
        tags,
        summary: 'Score a session',
        description:
          'Sets the score `name` to a number, a boolean or a short string (one value per name, the last write wins), with who wrote it and when. Emits `session.updated`.',
        params: ScoreParams,
        body: PutScoreBody,
        response: { 200: Session, ...problemResponses(400, 401, 403, 404, 415, 422) },
      },
    },
    async (req) => svc.putScore(authOf(req).orgId, req.params.id, req.params.name, req.body, actorOf(authOf(req))),
  );

  app.post(
    '/sessions/:id/notes',
    {
      config: review,
      schema: {
        tags,
        summary: 'Add a note to a session',
        description: 'Plain text, 1–4,096 characters, kept as written. Emits `note.created`.',
        params: SessionIdParams,
        body: CreateNoteBody,
        response: { 201: Note, ...problemResponses(400, 401, 403, 404, 415) },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return svc.addNote(authOf(req).orgId, req.params.id, req.body, actorOf(authOf(req)));
    },
  );

  app.delete(
    '/sessions/:id/notes/:noteId',
    {
      config: review,
      schema: {
        tags,
        summary: 'Delete a note',
        description: 'Only its author, or a key with `admin`, may delete a note.',
        params: NoteParams,
        response: { 204: noContent, ...problemResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      const auth = authOf(req);
      await svc.deleteNote(auth.orgId, req.params.id, req.params.noteId, actorOf(auth), auth.scopes.includes('admin'));
      reply.code(204);
    },
  );

  for (const [method, reviewed] of [
    ['post', true],
    ['delete', false],
  ] as const)
    app[method](
      '/sessions/:id/review',
      {
        config: review,
        schema: {
          tags,
          summary: reviewed ? 'Mark a session reviewed' : 'Clear a session’s reviewed mark',
          description: reviewed
            ? 'Records who marked it and when (`reviewedAt`, `reviewedBy`); marking it again changes nothing. Emits `session.updated` when it changes.'
            : 'Emits `session.updated` when it changes.',
          params: SessionIdParams,
          response: { 200: Session, ...problemResponses(401, 403, 404) },
        },
      },
      async (req) => {
        const auth = authOf(req);
        return svc.setReviewed(auth.orgId, req.params.id, reviewed ? actorOf(auth) : null);
      },
    );

  app.get(
    '/tags',
    {
      config: read,
      schema: {
        tags,
        summary: 'List tags with counts',
        description: 'The organization’s tags, most used first, each with how many sessions carry it (up to 500).',
        response: { 200: TagCounts, ...problemResponses(401, 403) },
      },
    },
    async (req) => svc.tags(authOf(req).orgId),
  );

  // ─── saved views ─────────────────────────────────────────────────────────────────────────
  app.get(
    '/views',
    {
      config: read,
      schema: {
        tags,
        summary: 'List saved views',
        description:
          'The organization’s saved views of the Sessions page, oldest first; "Needs review" comes with every organization.',
        response: { 200: SavedViewList, ...problemResponses(401, 403) },
      },
    },
    async (req) => svc.views(authOf(req).orgId),
  );
  app.get(
    '/views/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'Get a saved view',
        params: ViewIdParams,
        response: { 200: SavedView, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => svc.view(authOf(req).orgId, req.params.id),
  );
  app.post(
    '/views',
    {
      config: review,
      schema: {
        tags,
        summary: 'Save a view',
        description:
          'A name and the Sessions page’s query string (and, optionally, its columns), shared by the organization.',
        body: CreateViewBody,
        response: { 201: SavedView, ...problemResponses(400, 401, 403, 415, 422) },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return svc.createView(authOf(req).orgId, req.body);
    },
  );
  app.patch(
    '/views/:id',
    {
      config: review,
      schema: {
        tags,
        summary: 'Change a saved view',
        params: ViewIdParams,
        body: UpdateViewBody,
        response: { 200: SavedView, ...problemResponses(400, 401, 403, 404, 415) },
      },
    },
    async (req) => svc.updateView(authOf(req).orgId, req.params.id, req.body),
  );
  app.delete(
    '/views/:id',
    {
      config: review,
      schema: {
        tags,
        summary: 'Delete a saved view',
        params: ViewIdParams,
        response: { 204: noContent, ...problemResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await svc.deleteView(authOf(req).orgId, req.params.id);
      reply.code(204);
    },
  );

  // ─── bulk actions ────────────────────────────────────────────────────────────────────────
  app.post(
    '/sessions/bulk',
    {
      config: review,
      schema: {
        tags,
        summary: 'Tag or mark many sessions',
        description:
          'Applies the action to exactly the sessions the filters match now (a query string of the shared filters, `""` for all), in the background, in batches; follow it with `GET /jobs/{id}`. Each changed session emits `session.updated`.',
        body: BulkBody,
        response: { 202: JobAccepted, ...problemResponses(400, 401, 403, 415) },
      },
    },
    async (req, reply) => {
      reply.code(202);
      const auth = authOf(req);
      const accepted = await svc.bulk(auth.orgId, req.body, actorOf(auth));
      reply.header('location', `/api/v1/jobs/${accepted.jobId}`);
      return accepted;
    },
  );
  app.get(
    '/jobs/:id',
    {
      config: review,
      schema: {
        tags,
        summary: 'Follow a job',
        description: '`total` sessions matched when the job started; `done` and `failed` count those handled so far.',
        params: JobIdParams,
        response: { 200: Job, ...problemResponses(401, 403, 404) },
      },
    },
    async (req) => svc.job(authOf(req).orgId, req.params.id),
  );
};
