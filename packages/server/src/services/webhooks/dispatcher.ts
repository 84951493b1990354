/**
 * Fan-out: turns outbox rows into webhook deliveries. One transaction reads the rows after the
 * cursor, creates a delivery for every enabled endpoint of the row's organization that wants the
 * event, and moves the cursor past them — so an event is fanned out exactly once, even across a
 * crash (the transaction rolls back and runs again) or several processes (they take turns on the
 * cursor row's lock; the unique (webhook, event) pair is a second guard).
 *
 * Filters are judged against the session the event belongs to. `session.*` events carry the
 * session itself, as it was at that change. For `message.created` and `event.created` the
 * dispatcher loads the session once per batch and judges by its state at fan-out time — normally
 * milliseconds after the write, and independent of how rows fall into batches. (A message whose
 * session ended between the write and the fan-out is judged as ended.) Copying the session into
 * every message's outbox row would be exact but would make every message write carry its session.
 */
import { OUTBOX_EVENT_TYPES, type Session, type WebhookFilters } from '@switchboard/contracts';
import { iso } from '../../lib/time.js';
import type { Store } from '../../store/db.js';
import type { SessionFilter } from '../../store/filters.js';
import type { WebhookDeliveryRow, WebhookRow } from '../../store/schema.js';
import { sessionRowToApi } from '../../store/sessions/rows.js';
import {
  anyEnabledWebhook,
  enabledWebhooksOf,
  insertDeliveries,
  oneConnectionPerNode,
  lockCursor,
  oldestEnabledWebhookSeq,
  outboxAfter,
  pendingDelivery,
  sessionsByIds,
  setCursor,
} from '../../store/webhooks.js';
import { rangesOfObject } from '../filters.js';
import { isEmptyFilter, sessionMatches } from '../session-match.js';

/** The shared SessionFilter a subscription's filters stand for. */
function webhookFilter(f: WebhookFilters): SessionFilter {
  return {
    search: f.search,
    agentIds: f.agentId,
    channels: f.channel,
    statuses: f.status,
    types: f.type,
    sources: f.source,
    metadata: f.metadata ? Object.entries(f.metadata) : undefined,
    ranges: rangesOfObject(f.range),
    tags: f.tag,
    reviewed: f.reviewed,
    problems: f.problems,
  };
}

interface Subscription {
  row: WebhookRow;
  all: boolean;
  events: Set<string>;
  filter: SessionFilter | null;
}

function subscriptionOf(row: WebhookRow): Subscription {
  const events = row.events.split(',');
  const filter = webhookFilter(JSON.parse(row.filters) as WebhookFilters);
  return { row, all: events.includes('*'), events: new Set(events), filter: isEmptyFilter(filter) ? null : filter };
}

/** The JSON body of a delivery; `data` is the outbox payload as written, not re-serialized. */
export const envelopeBody = (id: string, type: string, occurredAt: number, data: string) =>
  `{"id":${JSON.stringify(id)},"type":${JSON.stringify(type)},"occurredAt":"${iso(occurredAt)}","data":${data}}`;

/** Fans out one batch; returns how many outbox rows it consumed (0: caught up). */
export async function fanOut(
  store: Store,
  batch = 500,
  now = Date.now(),
): Promise<{ rows: number; deliveries: number }> {
  // With no endpoint enabled anywhere (most servers, most of the time) there is nothing to do and
  // nothing to write: a read, not a transaction that commits (on SQLite a second fsync for every
  // ingest batch). The cursor then stays behind; no endpoint hears an event from before it was
  // created or re-enabled (its after_seq), so the first fan-out after that starts from there.
  if (!(await anyEnabledWebhook(store.db))) return { rows: 0, deliveries: 0 };
  return store.db.transaction().execute(async (trx) => {
    if (store.dialect === 'postgres') await oneConnectionPerNode(trx);
    const cursor = await lockCursor(trx, store.dialect);
    const oldest = await oldestEnabledWebhookSeq(trx);
    if (oldest === null) return { rows: 0, deliveries: 0 };
    const last = Math.max(cursor, oldest);
    const rows = await outboxAfter(trx, last, batch);
    if (rows.length === 0) {
      if (last > cursor) await setCursor(trx, last);
      return { rows: 0, deliveries: 0 };
    }

    const byOrg = new Map<string, Subscription[]>();
    for (const hook of await enabledWebhooksOf(trx, [...new Set(rows.map((r) => r.org_id))])) {
      const list = byOrg.get(hook.org_id) ?? [];
      list.push(subscriptionOf(hook));
      byOrg.set(hook.org_id, list);
    }

    // Sessions are loaded only for orgs with a filtered endpoint, once per batch.
    const sessions = new Map<string, Session>();
    const key = (orgId: string, id: string) => `${orgId}\u0000${id}`;
    const needed = new Map<string, Set<string>>();
    for (const r of rows) {
      if (r.type.startsWith('session.') || r.type.startsWith('alert.')) continue;
      if (!byOrg.get(r.org_id)?.some((s) => s.filter)) continue;
      const ids = needed.get(r.org_id) ?? new Set();
      ids.add(r.session_id);
      needed.set(r.org_id, ids);
    }
    for (const [orgId, ids] of needed)
      for (const s of await sessionsByIds(trx, orgId, [...ids])) sessions.set(key(orgId, s.id), sessionRowToApi(s));

    const deliveries: WebhookDeliveryRow[] = [];
    for (const r of rows) {
      const subs = byOrg.get(r.org_id);
      if (!subs || !(OUTBOX_EVENT_TYPES as readonly string[]).includes(r.type)) continue;
      const seq = r.seq;
      // The webhook-id is the organization's own event id, never the shared sequence (`seq`),
      // which would show the receiver how much other organizations write.
      const eventId = String(r.org_seq);
      let session: Session | undefined;
      const alert = r.type.startsWith('alert.');
      if (subs.some((s) => s.filter) && !alert)
        session = r.type.startsWith('session.')
          ? (JSON.parse(r.payload) as Session)
          : sessions.get(key(r.org_id, r.session_id));
      let body: string | undefined;
      for (const sub of subs) {
        if (seq <= sub.row.after_seq) continue;
        if (!sub.all && !sub.events.has(r.type)) continue;
        // An alert is about the organization, not a session: a filtered subscription does not get it.
        if (sub.filter && (!session || alert || !sessionMatches(sub.filter, session))) continue;
        body ??= envelopeBody(eventId, r.type, r.occurred_at, r.payload);
        deliveries.push(
          pendingDelivery({
            webhookId: sub.row.id,
            orgId: r.org_id,
            eventId,
            eventSeq: seq,
            eventType: r.type,
            payload: body,
            now,
          }),
        );
      }
    }
    await insertDeliveries(trx, deliveries);
    await setCursor(trx, rows[rows.length - 1].seq);
    return { rows: rows.length, deliveries: deliveries.length };
  });
}
