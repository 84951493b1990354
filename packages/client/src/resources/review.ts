/** `sb.review`: tags, scores, notes, the reviewed mark, saved views and bulk actions (scope `review`). */
import { filtersToQuery } from '@switchboard/contracts';
import type { RequestOptions, Transport } from '../http.js';
import type { BulkAction, Job, Note, SavedView, ScoreValue, Session, SessionFilters } from '../types.js';

const session = (id: string, rest = '') => `/sessions/${encodeURIComponent(id)}${rest}`;

export class ReviewApi {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * Changes a session's tags: `tags` replaces them, `addTags` / `removeTags` change them (also
   * with an `ingest` key). Tags are stored in lower case.
   *
   * @example
   * await sb.review.tag('sess_1', { addTags: ['refund'] });
   */
  tag(
    sessionId: string,
    change: { tags?: string[]; addTags?: string[]; removeTags?: string[] },
    options: RequestOptions = {},
  ): Promise<Session> {
    return this.transport.request('PATCH', session(sessionId, '/tags'), { body: change }, options);
  }

  /**
   * Sets a score (one value per name; the last write wins).
   *
   * @example
   * await sb.review.score('sess_1', 'quality', 4, { comment: 'polite, slow' });
   */
  score(
    sessionId: string,
    name: string,
    value: ScoreValue,
    extra: { comment?: string } = {},
    options: RequestOptions = {},
  ): Promise<Session> {
    return this.transport.request(
      'PUT',
      session(sessionId, `/scores/${encodeURIComponent(name)}`),
      { body: { value, ...extra } },
      options,
    );
  }

  /**
   * Adds a plain-text note.
   *
   * @example
   * await sb.review.note('sess_1', 'Refund promised; check the ticket.');
   */
  note(sessionId: string, body: string, options: RequestOptions = {}): Promise<Note> {
    return this.transport.request('POST', session(sessionId, '/notes'), { body: { body } }, options);
  }

  /** Deletes a note (its author's, or any with `admin`). @example await sb.review.deleteNote('sess_1', note.id); */
  async deleteNote(sessionId: string, noteId: string, options: RequestOptions = {}): Promise<void> {
    await this.transport.request('DELETE', session(sessionId, `/notes/${encodeURIComponent(noteId)}`), {}, options);
  }

  /**
   * Marks a session reviewed (or, with `false`, clears the mark).
   *
   * @example
   * await sb.review.markReviewed('sess_1');
   */
  markReviewed(sessionId: string, reviewed = true, options: RequestOptions = {}): Promise<Session> {
    return this.transport.request(reviewed ? 'POST' : 'DELETE', session(sessionId, '/review'), {}, options);
  }

  /** The organization's tags with their counts. @example const top = (await sb.review.tags())[0]; */
  async tags(options: RequestOptions = {}): Promise<Array<{ tag: string; count: number }>> {
    const { data } = await this.transport.request<{ data: Array<{ tag: string; count: number }> }>(
      'GET',
      '/tags',
      {},
      options,
    );
    return data;
  }

  /** The saved views. @example const views = await sb.review.views(); */
  async views(options: RequestOptions = {}): Promise<SavedView[]> {
    const { data } = await this.transport.request<{ data: SavedView[] }>('GET', '/views', {}, options);
    return data;
  }

  /** Saves a view. @example await sb.review.createView({ name: 'Refunds', query: 'tag=refund' }); */
  createView(
    body: { name: string; query: string; columns?: string[] },
    options: RequestOptions = {},
  ): Promise<SavedView> {
    return this.transport.request('POST', '/views', { body }, options);
  }

  /** Changes a view. @example await sb.review.updateView(id, { name: 'Refunds (EU)' }); */
  updateView(
    id: string,
    body: { name?: string; query?: string; columns?: string[] | null },
    options: RequestOptions = {},
  ): Promise<SavedView> {
    return this.transport.request('PATCH', `/views/${encodeURIComponent(id)}`, { body }, options);
  }

  /** Deletes a view. @example await sb.review.deleteView(id); */
  async deleteView(id: string, options: RequestOptions = {}): Promise<void> {
    await this.transport.request('DELETE', `/views/${encodeURIComponent(id)}`, {}, options);
  }

  /**
   * Applies an action to every session the filters match now, in the background; returns the
   * job to follow with `job()`.
   *
   * @example
   * const { jobId } = await sb.review.bulk({ status: 'failed' }, { addTags: ['triage'] });
   */
  bulk(filters: SessionFilters | string, action: BulkAction, options: RequestOptions = {}): Promise<{ jobId: string }> {
    const text = typeof filters === 'string' ? filters : filtersToQuery(filters).toString();
    return this.transport.request('POST', '/sessions/bulk', { body: { filters: text, action } }, options);
  }

  /** A job's progress. @example const { done, total } = await sb.review.job(jobId); */
  job(id: string, options: RequestOptions = {}): Promise<Job> {
    return this.transport.request('GET', `/jobs/${encodeURIComponent(id)}`, {}, options);
  }
}
