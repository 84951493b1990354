/**
 * Review (docs/REVIEW.md): tags, scores, notes and the reviewed mark of a session, the tag counts
 * and the organization's saved views. Every change of a session the API shows (tags, scores, the
 * mark) is a `session.updated` on the outbox, a note a `note.created`, in the change's transaction.
 */
import {
  type Actor,
  type BulkBody,
  type CreateNoteBody,
  type Job,
  type CreateViewBody,
  LIMITS,
  type Note,
  type PutScoreBody,
  type SavedView,
  type Session,
  type TagCounts,
  type UpdateTagsBody,
  type UpdateViewBody,
} from '@switchboard/contracts';
import { ApiError, badRequest, notFound } from '../lib/errors.js';
import { uuidv7 } from '../lib/ids.js';
import type { Store } from '../store/db.js';
import { findJob, jobRowToApi } from '../store/jobs.js';
import { type OutboxEntry, writeOutbox } from '../store/outbox.js';
import {
  countViews,
  deleteNote,
  deleteView,
  findNote,
  findView,
  insertNote,
  insertView,
  listViews,
  noteRowToApi,
  scoresOf,
  tagCounts,
  tagsOf,
  updateView,
  viewRowToApi,
  writeReviewed,
  writeScore,
  writeTags,
} from '../store/review.js';
import { sessionRowToApi, type SessionWithAgent } from '../store/sessions/rows.js';
import { findSession, findSessionByPk, lockSessionRow } from '../store/sessions/write.js';
import { createBulkJob } from './jobs/bulk.js';
import { checkTagCount, nextTags, sameTags } from './tags.js';
import { retryTransaction } from './transactions.js';

type Db = Store['db'];

export class ReviewService {
  private jobListeners: Array<() => void> = [];
  constructor(private readonly store: Store) {}

  /** Called when a job is created, so the runner starts on it now. */
  onJob(fn: () => void) {
    this.jobListeners.push(fn);
  }

  /** `POST /sessions/bulk`: the job, with its sessions snapshotted; the runner applies it. */
  async bulk(orgId: string, body: BulkBody, actor: Actor) {
    const tags = [...(body.action.addTags ?? []), ...(body.action.removeTags ?? [])].map((t) => t.toLowerCase());
    const add = new Set(body.action.addTags?.map((t) => t.toLowerCase()));
    const both = tags.filter((t) => add.has(t) && body.action.removeTags?.some((r) => r.toLowerCase() === t));
    if (both.length)
      throw badRequest([{ path: '/action', message: `a tag cannot be both added and removed: ${both.join(', ')}` }]);
    const { jobId } = await createBulkJob(this.store, orgId, body, actor);
    for (const fn of this.jobListeners) fn();
    return { jobId };
  }

  async job(orgId: string, id: string): Promise<Job> {
    const row = await findJob(this.store.db, orgId, id);
    if (!row) throw notFound('Job');
    return jobRowToApi(row);
  }

  /**
   * Runs `fn` on the session, locked, in one transaction, and tells the stream and webhooks after
   * the commit; 404 for a session that is not the organization's.
   */
  private async onSession<T>(
    orgId: string,
    id: string,
    fn: (db: Db, row: SessionWithAgent, outbox: OutboxEntry[]) => Promise<T>,
  ): Promise<T> {
    const result = await retryTransaction(this.store, () =>
      this.store.db.transaction().execute(async (trx) => {
        const first = await findSession(trx, orgId, id);
        if (!first) throw notFound();
        // Two reviewers changing one session's tags at once: the second waits and sees the first's.
        await lockSessionRow(trx, first);
        const row = (await findSessionByPk(trx, first)) as SessionWithAgent;
        const outbox: OutboxEntry[] = [];
        const value = await fn(trx, row, outbox);
        await writeOutbox(trx, this.store.dialect, orgId, outbox);
        return { value, told: outbox.length > 0 };
      }),
    );
    if (result.told) this.store.outbox.emit('committed');
    return result.value;
  }

  /** The session as it is now, and its session.updated entry. */
  private async updated(db: Db, row: SessionWithAgent, outbox: OutboxEntry[], now: number): Promise<Session> {
    const after = sessionRowToApi((await findSessionByPk(db, row)) as SessionWithAgent);
    outbox.push({ type: 'session.updated', sessionId: after.id, occurredAt: now, data: after });
    return after;
  }

  async updateTags(orgId: string, id: string, body: UpdateTagsBody, now = Date.now()): Promise<Session> {
    return this.onSession(orgId, id, async (db, row, outbox) => {
      const before = tagsOf(row);
      const after = nextTags(before, body);
      checkTagCount(after);
      if (sameTags(before, after)) return sessionRowToApi(row);
      await writeTags(db, row, before, after);
      return this.updated(db, row, outbox, now);
    });
  }

  async putScore(orgId: string, id: string, name: string, body: PutScoreBody, actor: Actor, now = Date.now()) {
    if (typeof body.value === 'number' && !Number.isFinite(body.value))
      throw badRequest([{ path: '/value', message: 'must be a finite number' }]);
    return this.onSession(orgId, id, async (db, row, outbox) => {
      const scores = scoresOf(row);
      if (!(name in scores) && Object.keys(scores).length >= LIMITS.scoresPerSession)
        throw new ApiError(422, 'too-many-scores', `A session holds at most ${LIMITS.scoresPerSession} scores.`);
      await writeScore(db, row, scores, name, body.value, body.comment ?? null, actor, now);
      return this.updated(db, row, outbox, now);
    });
  }

  /**
   * Scores a platform reported for a call (docs/INTEGRATIONS.md): each written only when its value
   * differs from the stored one, so a redelivered report changes nothing and tells no one. One
   * transaction, one `session.updated` when anything changed.
   */
  async putPlatformScores(
    orgId: string,
    id: string,
    values: Record<string, number | boolean | string>,
    actor: Actor,
    now = Date.now(),
  ) {
    return this.onSession(orgId, id, async (db, row, outbox) => {
      let changed = false;
      for (const [name, value] of Object.entries(values)) {
        const scores = scoresOf(row);
        if (scores[name] === value) continue;
        if (!(name in scores) && Object.keys(scores).length >= LIMITS.scoresPerSession) continue;
        await writeScore(db, row, scores, name, value, null, actor, now);
        Object.assign(row, (await findSessionByPk(db, row)) as SessionWithAgent);
        changed = true;
      }
      return changed ? this.updated(db, row, outbox, now) : sessionRowToApi(row);
    });
  }

  async setReviewed(orgId: string, id: string, by: Actor | null, now = Date.now()): Promise<Session> {
    return this.onSession(orgId, id, async (db, row, outbox) => {
      // Marking a reviewed session again keeps who reviewed it first, and tells no one.
      if ((row.reviewed_at !== null) === (by !== null)) return sessionRowToApi(row);
      await writeReviewed(db, row, by, now);
      return this.updated(db, row, outbox, now);
    });
  }

  async addNote(orgId: string, id: string, body: CreateNoteBody, author: Actor, now = Date.now()): Promise<Note> {
    if (body.body.trim() === '') throw badRequest([{ path: '/body', message: 'must not be blank' }]);
    return this.onSession(orgId, id, async (db, row, outbox) => {
      const noteId = uuidv7(now);
      await insertNote(db, row, noteId, body.body, author, now);
      const note = noteRowToApi({ id: noteId, body: body.body, author, created_at: now }, row.id);
      outbox.push({ type: 'note.created', sessionId: row.id, occurredAt: now, data: note });
      return note;
    });
  }

  /** Deletes a note: its author's, or any with `admin`. */
  async deleteNote(orgId: string, id: string, noteId: string, by: Actor, admin: boolean) {
    await this.onSession(orgId, id, async (db, row) => {
      const note = await findNote(db, row, noteId);
      if (!note) throw notFound('Note');
      const author = noteRowToApi(note, row.id).author;
      if (!admin && (author.type !== by.type || author.id !== by.id))
        throw new ApiError(403, 'forbidden', 'Only the note’s author or an admin can delete it.');
      await deleteNote(db, noteId);
    });
  }

  async tags(orgId: string, limit = 500): Promise<TagCounts> {
    return { data: await tagCounts(this.store.db, orgId, limit) };
  }

  // ─── saved views ─────────────────────────────────────────────────────────────────────────

  async views(orgId: string) {
    return { data: (await listViews(this.store.db, orgId)).map(viewRowToApi) };
  }

  async view(orgId: string, id: string): Promise<SavedView> {
    const row = await findView(this.store.db, orgId, id);
    if (!row) throw notFound('View');
    return viewRowToApi(row);
  }

  async createView(orgId: string, body: CreateViewBody, now = Date.now()): Promise<SavedView> {
    if ((await countViews(this.store.db, orgId)) >= LIMITS.viewsPerOrg)
      throw new ApiError(422, 'too-many-views', `An organization keeps at most ${LIMITS.viewsPerOrg} saved views.`);
    const id = uuidv7(now);
    const query = body.query.replace(/^\?/, '');
    await insertView(this.store.db, { id, org_id: orgId, name: body.name, query, columns: body.columns ?? null, now });
    return this.view(orgId, id);
  }

  async updateView(orgId: string, id: string, body: UpdateViewBody, now = Date.now()): Promise<SavedView> {
    const set = { ...body, query: body.query?.replace(/^\?/, '') };
    if (!(await updateView(this.store.db, orgId, id, set, now))) throw notFound('View');
    return this.view(orgId, id);
  }

  async deleteView(orgId: string, id: string) {
    if (!(await deleteView(this.store.db, orgId, id))) throw notFound('View');
  }
}
