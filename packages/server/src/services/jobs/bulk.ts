/**
 * `sessions.bulk`: add or remove tags, or set or clear the reviewed mark, on every session the
 * shared filters matched when the job was created (`POST /sessions/bulk`). Each step is one
 * transaction over a batch of the snapshotted sessions: their changes, their `session.updated`
 * events and the job's cursor commit together. The changes are the same as the single-session
 * routes write (the row's tags and reviewed mark, session_tags), a chunk of sessions at a time.
 */
import type { Actor, BulkAction, BulkBody } from '@switchboard/contracts';
import type { Store } from '../../store/db.js';
import { advanceJob, type JobRow, jobItemsAfter, sessionsByKeys } from '../../store/jobs.js';
import { type OutboxEntry, writeOutbox } from '../../store/outbox.js';
import { tagsOf, vacuumReviewRows, writeTagRows } from '../../store/review.js';
import { type SessionWithAgent, sessionRowToApi } from '../../store/sessions/rows.js';
import { type SessionKey, type SessionSet, updateSessionSets } from '../../store/sessions/write.js';
import { checkTagCount, nextTags } from '../tags.js';
import { retryTransaction } from '../transactions.js';
import { createJob } from './create.js';
import type { JobHandler } from './runner.js';

/** The most sessions a step writes at once (its chunks grow 1, 2, 4, … up to this). */
const CHUNK = 64;

export interface BulkParams {
  filters: string;
  action: BulkAction;
}

/** Creates the job and snapshots its sessions; the runner does the rest. */
export async function createBulkJob(store: Store, orgId: string, body: BulkBody, actor: Actor, now = Date.now()) {
  const action: BulkAction = {
    ...body.action,
    addTags: body.action.addTags?.map((t) => t.toLowerCase()),
    removeTags: body.action.removeTags?.map((t) => t.toLowerCase()),
  };
  const params: BulkParams = { filters: body.filters, action };
  return createJob(store, { orgId, kind: 'sessions.bulk', params, actor, now }, body.filters);
}

/**
 * `batchSize` is the most sessions a step takes; `stepMs` ends a step early once its changes have
 * taken that long, after the chunk it was on. A step is one transaction, and on SQLite every
 * request waits for it: at a million sessions a step of 500 took ~0.3 s, which an ingest batch
 * waited for (docs/PERFORMANCE.md). The next step reads about as many sessions as the last one
 * got through (twice as many after one that did not run out of time, up to `batchSize`).
 */
export function bulkHandler(store: Store, batchSize: number, stepMs = Number.POSITIVE_INFINITY): JobHandler {
  let size = batchSize;
  // Carried from step to step: a step starts with the chunk the last one reached.
  let chunk = 1;
  // PostgreSQL: sessions read under their row locks, and the job's end waits for a vacuum.
  const pg = store.dialect === 'postgres';
  return {
    async step(job: JobRow) {
      const params = (typeof job.params === 'string' ? JSON.parse(job.params) : job.params) as BulkParams;
      const actor = (typeof job.actor === 'string' ? JSON.parse(job.actor) : job.actor) as Actor;
      const { action } = params;
      const now = Date.now();
      const result = await retryTransaction(store, () =>
        store.db.transaction().execute(async (trx) => {
          const began = performance.now();
          const limit = size;
          const keys = await jobItemsAfter(trx, job.id, Number(job.cursor), limit);
          // Read under the rows' locks on PostgreSQL: a session's tags written by another request
          // between this read and the step's update would otherwise be lost (the step's list,
          // computed from what it read, replaced them). On SQLite the step is the one writer.
          const byPk = new Map(
            (await sessionsByKeys(trx, job.org_id, keys, { lock: pg })).map((r) => [Number(r.pk), r]),
          );
          // The sessions changed, as they are now: the row read (under its lock on PostgreSQL, and
          // SQLite has one writer) with the step's changes, which no trigger alters.
          const changed: SessionWithAgent[] = [];
          // Items taken, in pk order: the cursor moves to the last one.
          let taken = 0;
          let found = 0;
          // The changes are written a chunk of sessions at a time — their rows in one UPDATE, their
          // tag rows in a few statements (updateSessionSets, writeTagRows) — where a session at a
          // time cost ~1.4 ms of round trips each on PostgreSQL. The time budget is checked after
          // each chunk; chunks grow from one session by doubling while a step has time, and the
          // next step starts at the size reached.
          while (taken < keys.length) {
            const part = keys.slice(taken, taken + chunk);
            const sets: Array<{ key: SessionKey; set: SessionSet }> = [];
            const tagChanges: Parameters<typeof writeTagRows>[1] = [];
            for (const key of part) {
              const row = byPk.get(key.pk);
              if (!row) continue;
              found++;
              const set: SessionSet = {};
              if (action.addTags?.length || action.removeTags?.length) {
                const before = tagsOf(row);
                let after = nextTags(before, { addTags: action.addTags, removeTags: action.removeTags });
                // A session already at the ceiling keeps its tags; the job goes on with the rest.
                try {
                  checkTagCount(after);
                } catch {
                  after = before;
                }
                if (JSON.stringify(before) !== JSON.stringify(after)) {
                  set.tags = JSON.stringify(after);
                  tagChanges.push({ ref: row, before, after });
                }
              }
              if (action.review !== undefined && (row.reviewed_at !== null) !== action.review) {
                set.reviewed_at = action.review ? now : null;
                set.reviewed_by = action.review ? JSON.stringify(actor) : null;
              }
              if (Object.keys(set).length) {
                sets.push({ key: { pk: Number(row.pk), started_at: Number(row.started_at) }, set });
                changed.push({ ...row, ...set });
              }
            }
            await updateSessionSets(trx, store.dialect, sets);
            if (tagChanges.length) await writeTagRows(trx, tagChanges);
            taken += part.length;
            if (performance.now() - began >= stepMs) break;
            chunk = Math.min(CHUNK, chunk * 2);
          }
          const outbox: OutboxEntry[] = changed.map((r) => {
            const s = sessionRowToApi(r);
            return { type: 'session.updated', sessionId: s.id, occurredAt: now, data: s };
          });
          if (outbox.length) await writeOutbox(trx, store.dialect, job.org_id, outbox);
          const end = taken === keys.length && keys.length < limit;
          const cursor = taken ? keys[taken - 1].pk : Number(job.cursor);
          // On PostgreSQL the job is done once the rows it rewrote are vacuumed (below).
          const finished = end && !pg;
          await advanceJob(trx, job.id, { cursor, done: found, failed: taken - found, finished }, now);
          return { end, cursor, told: outbox.length > 0, taken, whole: taken === keys.length };
        }),
      );
      size = result.whole ? Math.min(batchSize, size * 2) : Math.max(1, Math.ceil(result.taken * 1.25));
      if (result.told) store.outbox.emit('committed');
      if (result.end && pg) {
        // A job that reports success is read at full speed at once: the filters' index-only reads
        // of the tag and score rows it rewrote do not wait for autovacuum. Stopped in between, the
        // next step finds no items left and comes here again.
        await vacuumReviewRows(store.db, store.dialect);
        await advanceJob(store.db, job.id, { cursor: result.cursor, done: 0, failed: 0, finished: true }, Date.now());
      }
      return result.end;
    },
  };
}
