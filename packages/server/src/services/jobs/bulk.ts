/**
 * `sessions.bulk`: add or remove tags, or set or clear the reviewed mark, on every session the
 * shared filters matched when the job was created (`POST /sessions/bulk`). Each step is one
 * transaction over a batch of the snapshotted sessions: their changes, their `session.updated`
 * events and the job's cursor commit together.
 */
import type { Actor, BulkAction, BulkBody } from '@switchboard/contracts';
import type { Store } from '../../store/db.js';
import { advanceJob, type JobRow, jobItemsAfter, sessionsByKeys } from '../../store/jobs.js';
import { type OutboxEntry, writeOutbox } from '../../store/outbox.js';
import { tagsOf, writeReviewed, writeTags } from '../../store/review.js';
import { sessionRowToApi } from '../../store/sessions/rows.js';
import { checkTagCount, nextTags } from '../tags.js';
import { retryTransaction } from '../transactions.js';
import { createJob } from './create.js';
import type { JobHandler } from './runner.js';

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
 * taken that long, at the session it was on. A step is one transaction, and on SQLite every
 * request waits for it: at a million sessions a step of 500 took ~0.3 s, which an ingest batch
 * waited for (docs/PERFORMANCE.md). The next step reads about as many sessions as the last one
 * got through (twice as many after one that did not run out of time, up to `batchSize`).
 */
export function bulkHandler(store: Store, batchSize: number, stepMs = Number.POSITIVE_INFINITY): JobHandler {
  let size = batchSize;
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
          const byPk = new Map((await sessionsByKeys(trx, job.org_id, keys)).map((r) => [Number(r.pk), r]));
          const changed: number[] = [];
          // Items taken, in pk order: the cursor moves to the last one.
          let taken = 0;
          let found = 0;
          for (const key of keys) {
            taken++;
            const row = byPk.get(key.pk);
            if (row) {
              found++;
              let touched = false;
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
                  await writeTags(trx, row, before, after);
                  touched = true;
                }
              }
              if (action.review !== undefined && (row.reviewed_at !== null) !== action.review) {
                await writeReviewed(trx, row, action.review ? actor : null, now);
                touched = true;
              }
              if (touched) changed.push(key.pk);
            }
            if (performance.now() - began >= stepMs) break;
          }
          const outbox: OutboxEntry[] = [];
          if (changed.length) {
            const after = await sessionsByKeys(
              trx,
              job.org_id,
              keys.filter((k) => changed.includes(k.pk)),
            );
            for (const r of after) {
              const s = sessionRowToApi(r);
              outbox.push({ type: 'session.updated', sessionId: s.id, occurredAt: now, data: s });
            }
            await writeOutbox(trx, store.dialect, job.org_id, outbox);
          }
          const finished = taken === keys.length && keys.length < limit;
          const cursor = taken ? keys[taken - 1].pk : Number(job.cursor);
          await advanceJob(trx, job.id, { cursor, done: found, failed: taken - found, finished }, now);
          return { finished, told: outbox.length > 0, taken, whole: taken === keys.length };
        }),
      );
      size = result.whole ? Math.min(batchSize, size * 2) : Math.max(1, Math.ceil(result.taken * 1.25));
      if (result.told) store.outbox.emit('committed');
      return result.finished;
    },
  };
}
