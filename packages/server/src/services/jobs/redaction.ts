/**
 * `redaction.apply`: the organization's redaction settings applied again to the sessions the
 * shared filters matched when the job was created (`POST /settings/redaction/apply`), for data
 * stored before redaction was on or before a detector or pattern was added (docs/REDACTION.md).
 *
 * Phase `apply` goes through the snapshotted sessions a batch per step, one transaction each:
 * everything ingest redacts (message content and metadata, event data, session metadata and
 * endedReason) is rewritten, with what depends on it (the search text and the metadata tables by
 * their triggers, and here the transcript index, the transcript's byte count and the metadata
 * tables' rows of values no session holds any more), `stats.redactions`
 * grows by what this run replaced, and each changed session's `session.updated` is written to the
 * outbox with the batch. Phase `outbox` then goes through the organization's stored events, up to
 * the last one when the phase began, and rewrites those of the job's sessions (what the stream
 * replays, what webhooks deliver and retry).
 *
 * Text already redacted keeps its `[redacted:…]` markers (Redactor's `keepMarkers`): applying
 * the same settings twice changes and counts nothing the second time. The settings are read in
 * each step's transaction, so the job applies what is saved, not a cached copy.
 */
import type { Actor, RedactionApplyBody } from '@switchboard/contracts';
import { ApiError } from '../../lib/errors.js';
import type { Redactor } from '../../lib/redaction/engine.js';
import { eventBytes, messageBytes } from '../../lib/transcript.js';
import type { Db, Store } from '../../store/db.js';
import { advanceJob, type JobRow, jobItemsAfter, sessionsByKeys } from '../../store/jobs.js';
import { type OutboxEntry, writeOutbox } from '../../store/outbox.js';
import {
  deliveriesOfEvents,
  dropUnheldMetadataValues,
  enterJobPhase,
  jobEventsAfter,
  lastOrgSeq,
  reindexTranscripts,
  rewriteEvents,
  rewriteMessages,
  rewritePayloads,
} from '../../store/redaction.js';
import { parseJson, sessionRowToApi } from '../../store/sessions/rows.js';
import { eventsOfSessions, messagesOfSessions } from '../../store/sessions/transcript.js';
import { updateSessionSets } from '../../store/sessions/write.js';
import { searchText } from '../ingest.js';
import { retryTransaction } from '../transactions.js';
import { createJob, parseFilterString } from './create.js';
import type { JobHandler } from './runner.js';

export interface RedactionApplyParams {
  filters: string;
}

type Metadata = Record<string, string | number | boolean | null>;

/** The organization's redactor for text stored earlier (RedactionService.storedRedactor). */
export type StoredRedactorOf = (db: Db, orgId: string) => Promise<Redactor>;

/** Creates the job and snapshots its sessions; refused while redaction is off. */
export async function createRedactionJob(
  store: Store,
  redactorOf: StoredRedactorOf,
  orgId: string,
  body: RedactionApplyBody,
  actor: Actor,
  now = Date.now(),
) {
  parseFilterString(body.filters); // a bad filter is a 400 before redaction being off is a 409
  if ((await redactorOf(store.db, orgId)).empty)
    throw new ApiError(
      409,
      'redaction-off',
      'Redaction is off for this organization: there is nothing to apply. Choose detectors or patterns and save them first.',
    );
  const params: RedactionApplyParams = { filters: body.filters };
  return createJob(store, { orgId, kind: 'redaction.apply', params, actor, now }, body.filters);
}

export function redactionHandler(store: Store, redactorOf: StoredRedactorOf, batchSize: number): JobHandler {
  return {
    async step(job: JobRow) {
      const told = await retryTransaction(store, () =>
        store.db
          .transaction()
          .execute((trx) =>
            job.phase === 'outbox' ? outboxStep(trx, job, redactorOf, batchSize) : sessionsStep(trx, job, redactorOf),
          ),
      );
      if (told.outbox) store.outbox.emit('committed');
      return told.finished;
    },
  };

  async function sessionsStep(trx: Db, job: JobRow, redactorOf: StoredRedactorOf) {
    const now = Date.now();
    const redactor = await redactorOf(trx, job.org_id);
    const keys = await jobItemsAfter(trx, job.id, Number(job.cursor), batchSize);
    // Locked (PostgreSQL) before their transcripts are read: a message ingest appends meanwhile
    // waits for this batch, so none is missed and no count is written over.
    const rows = await sessionsByKeys(trx, job.org_id, keys, { lock: store.dialect === 'postgres' });
    const sessionKeys = rows.map((r) => ({ pk: Number(r.pk), started_at: Number(r.started_at) }));
    // Per session: replacements made and transcript bytes gained (a marker is shorter or longer).
    const counts = new Map<number, { n: number; bytes: number; rewritten: Array<{ seq: number; content: string }> }>();
    const of = (pk: number) => {
      const c = counts.get(pk) ?? { n: 0, bytes: 0, rewritten: [] };
      counts.set(pk, c);
      return c;
    };
    const messages: Parameters<typeof rewriteMessages>[2] = [];
    const events: Parameters<typeof rewriteEvents>[2] = [];
    if (!redactor.empty) {
      for (const m of await messagesOfSessions(trx, sessionKeys)) {
        const counter = { n: 0 };
        const content = redactor.text(m.content);
        counter.n += content.count;
        const before = parseJson<Metadata>(m.metadata ?? {});
        const metadata = redactor.flat(before, counter);
        if (!counter.n) continue;
        const usage = m.usage === null ? null : JSON.stringify(parseJson(m.usage));
        const row = { content: content.text, metadata: JSON.stringify(metadata), usage };
        const c = of(Number(m.session_pk));
        c.n += counter.n;
        c.bytes += messageBytes(row) - messageBytes({ content: m.content, metadata: JSON.stringify(before), usage });
        if (content.count) c.rewritten.push({ seq: Number(m.seq), content: content.text });
        messages.push({ pk: Number(m.pk), session_started_at: Number(m.session_started_at), ...row });
      }
      for (const e of await eventsOfSessions(trx, sessionKeys)) {
        const counter = { n: 0 };
        const before = parseJson<unknown>(e.data ?? {});
        const data = redactor.deep(before, counter);
        if (!counter.n) continue;
        const c = of(Number(e.session_pk));
        c.n += counter.n;
        c.bytes += eventBytes({ data: JSON.stringify(data) }) - eventBytes({ data: JSON.stringify(before) });
        events.push({ pk: Number(e.pk), session_started_at: Number(e.session_started_at), data: JSON.stringify(data) });
      }
      await rewriteMessages(trx, store.dialect, messages);
      await rewriteEvents(trx, store.dialect, events);
    }
    const changed: typeof keys = [];
    const replacedValues = new Map<string, { key: string; value: string }>();
    const sets: Parameters<typeof updateSessionSets>[2] = [];
    const reindex: Parameters<typeof reindexTranscripts>[3] = [];
    for (const row of rows) {
      const pk = Number(row.pk);
      const key = { pk, started_at: Number(row.started_at) };
      const counter = { n: 0 };
      const before = parseJson<Metadata>(row.metadata ?? {});
      const metadata = redactor.empty ? before : redactor.flat(before, counter);
      const reason = row.ended_reason === null || redactor.empty ? null : redactor.text(row.ended_reason);
      if (reason) counter.n += reason.count;
      const c = counts.get(pk);
      if (!counter.n && !c) continue;
      for (const [k, v] of Object.entries(before))
        if (typeof v === 'string' && metadata[k] !== v)
          replacedValues.set(JSON.stringify([k, v]), { key: k, value: v });
      sets.push({
        key,
        set: {
          redactions: Number(row.redactions ?? 0) + counter.n + (c?.n ?? 0),
          ...(metadata !== before
            ? { metadata: JSON.stringify(metadata), search_text: searchText(row.agent_id, metadata) }
            : {}),
          ...(reason?.count ? { ended_reason: reason.text } : {}),
          ...(c?.bytes ? { transcript_bytes: Number(row.transcript_bytes) + c.bytes } : {}),
        },
      });
      if (c?.rewritten.length) reindex.push({ key, rewritten: c.rewritten });
      changed.push(key);
    }
    await updateSessionSets(trx, store.dialect, sets);
    await reindexTranscripts(trx, store.dialect, job.org_id, reindex);
    await dropUnheldMetadataValues(trx, store.dialect, job.org_id, [...replacedValues.values()]);
    const outbox: OutboxEntry[] = [];
    for (const r of await sessionsByKeys(trx, job.org_id, changed)) {
      const s = sessionRowToApi(r);
      outbox.push({ type: 'session.updated', sessionId: s.id, occurredAt: now, data: s });
    }
    await writeOutbox(trx, store.dialect, job.org_id, outbox);
    const step = { done: rows.length, failed: keys.length - rows.length };
    if (keys.length < batchSize) {
      // The sessions are done; their stored events are next, up to the last one written now.
      await enterJobPhase(trx, job.id, { phase: 'outbox', bound: await lastOrgSeq(trx, job.org_id), ...step }, now);
    } else {
      await advanceJob(trx, job.id, { cursor: keys[keys.length - 1].pk, ...step, finished: false }, now);
    }
    return { finished: false, outbox: outbox.length > 0 };
  }

  async function outboxStep(trx: Db, job: JobRow, redactorOf: StoredRedactorOf, limit: number) {
    const now = Date.now();
    const redactor = await redactorOf(trx, job.org_id);
    const bound = Number(job.max_pk ?? 0);
    const { events, last, read } = await jobEventsAfter(trx, job.org_id, job.id, Number(job.cursor), bound, limit);
    const rewritten: Array<{ key: number; payload: string; orgSeq: number }> = [];
    for (const e of events) {
      if (redactor.empty) continue;
      const payload = redactedJson(redactor, e.payload);
      if (payload !== null) rewritten.push({ key: e.seq, payload, orgSeq: e.orgSeq });
    }
    await rewritePayloads(trx, store.dialect, 'outbox', rewritten);
    // What webhooks deliver (or retry) is a copy of the event: rewritten with it.
    const deliveries: Array<{ key: string; payload: string }> = [];
    for (const d of await deliveriesOfEvents(
      trx,
      job.org_id,
      rewritten.map((r) => r.orgSeq),
    )) {
      const payload = redactedJson(redactor, d.payload);
      if (payload !== null) deliveries.push({ key: d.id, payload });
    }
    await rewritePayloads(trx, store.dialect, 'webhook_deliveries', deliveries);
    const cursor = last ?? bound;
    const finished = read < limit || cursor >= bound;
    await advanceJob(trx, job.id, { cursor, done: 0, failed: 0, finished }, now);
    return { finished, outbox: false };
  }
}

/** A stored JSON text with its strings redacted, or null when nothing in it was replaced. */
function redactedJson(redactor: Redactor, text: string): string | null {
  const counter = { n: 0 };
  const value = redactor.deep(JSON.parse(text) as unknown, counter);
  return counter.n ? JSON.stringify(value) : null;
}
