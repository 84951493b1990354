/**
 * The rules of a session's tags (docs/REVIEW.md), shared by every path that sets them: create,
 * `PATCH /sessions/:id`, `PATCH /sessions/:id/tags`, the `/ingest` batch and bulk jobs.
 */
import { LIMITS } from '@switchboard/contracts';
import { ApiError } from '../lib/errors.js';

/** What changes a session's tags: `tags` replaces them, then `addTags` and `removeTags` apply. */
export interface TagChange {
  tags?: string[];
  addTags?: string[];
  removeTags?: string[];
}

/** Tags as stored: lower-cased, each once, in the order first given. */
export const foldTags = (list: string[]) => [...new Set(list.map((t) => t.toLowerCase()))];

/** Whether a body asks to change tags at all. */
export const changesTags = (change: TagChange) =>
  change.tags !== undefined || change.addTags !== undefined || change.removeTags !== undefined;

/** The tags after a change: lower-cased, each once, in the order first added. */
export function nextTags(current: string[], change: TagChange) {
  const tags = change.tags !== undefined ? foldTags(change.tags) : [...current];
  for (const t of foldTags(change.addTags ?? [])) tags.push(t);
  const remove = new Set(foldTags(change.removeTags ?? []));
  return [...new Set(tags)].filter((t) => !remove.has(t));
}

export const sameTags = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

export function checkTagCount(tags: string[]) {
  if (tags.length > LIMITS.tagsPerSession)
    throw new ApiError(
      422,
      'too-many-tags',
      `A session holds at most ${LIMITS.tagsPerSession} tags; this change would leave ${tags.length}.`,
    );
}
