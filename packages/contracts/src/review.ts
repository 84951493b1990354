/**
 * Review: tags, scores, notes, the reviewed mark, saved views and bulk jobs (docs/REVIEW.md).
 */
import { type Static, type TSchema, Type } from 'typebox';
import { JOB_KINDS, JOB_STATUSES, LIMITS, SCORE_NAME_PATTERN } from './enums.js';
import { ScoreValue, StringEnum, TagList } from './schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });
/** `PATCH /sessions/:id/tags`: `tags` replaces them all; `addTags` / `removeTags` change them. */
export const UpdateTagsBody = Type.Object(
  {
    tags: Type.Optional(TagList),
    addTags: Type.Optional(TagList),
    removeTags: Type.Optional(TagList),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTagsBody = Static<typeof UpdateTagsBody>;

export const ScoreParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  name: Type.String({ pattern: SCORE_NAME_PATTERN }),
});
export type ScoreParams = Static<typeof ScoreParams>;

export const PutScoreBody = Type.Object(
  {
    value: ScoreValue,
    comment: Type.Optional(Type.String({ maxLength: LIMITS.scoreCommentLength })),
  },
  { additionalProperties: false },
);
export type PutScoreBody = Static<typeof PutScoreBody>;

export const CreateNoteBody = Type.Object(
  {
    body: Type.String({
      minLength: 1,
      maxLength: LIMITS.noteLength,
      description: 'Plain text, 1–4,096 characters; shown as text, never as HTML.',
    }),
  },
  { additionalProperties: false },
);
export type CreateNoteBody = Static<typeof CreateNoteBody>;

export const NoteParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  noteId: Type.String({ minLength: 1, maxLength: 64 }),
});
export type NoteParams = Static<typeof NoteParams>;

export const TagCounts = Type.Object({
  data: Type.Array(Type.Object({ tag: Type.String(), count: Type.Integer() })),
});
export type TagCounts = Static<typeof TagCounts>;

// ─── saved views ───────────────────────────────────────────────────────────────────────────

const ViewName = Type.String({ minLength: 1, maxLength: LIMITS.viewNameLength });
const ViewQuery = Type.String({
  maxLength: LIMITS.viewQueryLength,
  description: 'The Sessions page’s query string, e.g. `status=failed&reviewed=false` (no leading `?`).',
  example: 'status=failed&reviewed=false',
});
const ViewColumns = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32, uniqueItems: true });

export const SavedView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  query: Type.String(),
  columns: Nullable(Type.Array(Type.String())),
  createdAt: Time,
  updatedAt: Time,
});
export type SavedView = Static<typeof SavedView>;

export const SavedViewList = Type.Object({ data: Type.Array(SavedView) });
export type SavedViewList = Static<typeof SavedViewList>;

export const CreateViewBody = Type.Object(
  { name: ViewName, query: ViewQuery, columns: Type.Optional(ViewColumns) },
  { additionalProperties: false },
);
export type CreateViewBody = Static<typeof CreateViewBody>;

export const UpdateViewBody = Type.Object(
  { name: Type.Optional(ViewName), query: Type.Optional(ViewQuery), columns: Type.Optional(Nullable(ViewColumns)) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateViewBody = Static<typeof UpdateViewBody>;

export const ViewIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

// ─── bulk actions and jobs ─────────────────────────────────────────────────────────────────

export const BulkAction = Type.Object(
  {
    addTags: Type.Optional(TagList),
    removeTags: Type.Optional(TagList),
    review: Type.Optional(Type.Boolean({ description: 'true marks reviewed, false clears the mark.' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type BulkAction = Static<typeof BulkAction>;

export const BulkBody = Type.Object(
  {
    filters: Type.String({
      maxLength: LIMITS.viewQueryLength,
      description: 'The shared filters as a query string, e.g. `status=failed&tag=refund`; empty for every session.',
      example: 'status=failed&reviewed=false',
    }),
    action: BulkAction,
  },
  { additionalProperties: false },
);
export type BulkBody = Static<typeof BulkBody>;

export const JobAccepted = Type.Object({ jobId: Type.String() });
export type JobAccepted = Static<typeof JobAccepted>;

export const Job = Type.Object({
  id: Type.String(),
  kind: StringEnum(JOB_KINDS),
  status: StringEnum(JOB_STATUSES),
  total: Nullable(Type.Integer({ description: 'How many sessions matched when it started; null until counted.' })),
  done: Type.Integer(),
  failed: Type.Integer({ description: 'Sessions that were gone (deleted by retention) when their turn came.' }),
  error: Nullable(Type.String()),
  createdAt: Time,
  finishedAt: Nullable(Time),
});
export type Job = Static<typeof Job>;

export const JobIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
