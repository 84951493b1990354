/**
 * `POST /api/otlp/v1/traces` (docs/INTEGRATIONS.md): decoded spans, mapped (./map.ts), applied
 * as one ingest batch per 1,000 items through BatchService — the same validation, limits, outbox
 * events and duplicate rules as `POST /ingest`, so the stream, webhooks and figures see OTLP
 * sessions like any other. Sessions it creates have `source: "otlp"`.
 */
import { type BatchItemType, LIMITS } from '@switchboard/contracts';
import type { OtlpSpan } from '../../lib/otlp/decode.js';
import type { Store } from '../../store/db.js';
import { findSessions } from '../../store/sessions/write.js';
import type { BatchService } from '../batch.js';
import { type MappedSession, mapSpans, SESSION_ID_KEYS } from './map.js';

export interface ExportOutcome {
  /** Spans not used: no conversation id, an id that cannot be a session's, or refused by ingest. */
  rejectedSpans: number;
  errorMessage: string;
}

type Item = { type: BatchItemType; body: Record<string, unknown>; spans: number[] };

export class OtlpService {
  constructor(
    private readonly store: Store,
    private readonly batch: BatchService,
  ) {}

  async export(orgId: string, spans: OtlpSpan[], now = Date.now()): Promise<ExportOutcome> {
    const mapped = mapSpans(spans);
    const existing = await findSessions(
      this.store.db,
      orgId,
      mapped.sessions.map((s) => s.id),
    );
    const items: Item[] = [];
    for (const s of mapped.sessions) items.push(...itemsOf(s, existing.get(s.id)?.metadata));
    const refused = new Set<number>();
    const reasons = new Map<string, number>();
    for (let i = 0; i < items.length; i += LIMITS.itemsPerBatch) {
      const chunk = items.slice(i, i + LIMITS.itemsPerBatch);
      const { results } = await this.batch.run(
        orgId,
        chunk.map(({ type, body }) => ({ type, body })),
        now,
        'otlp',
      );
      for (const r of results) {
        const item = chunk[r.index];
        // A create that finds the session already there (another export made it) is no refusal.
        if (r.status < 400 || (item.type === 'session' && r.status === 409)) continue;
        for (const span of item.spans) refused.add(span);
        const reason = r.error?.detail ?? `status ${r.status}`;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
    const parts: string[] = [];
    if (mapped.withoutSession)
      parts.push(
        `${mapped.withoutSession} span(s) name no conversation (set one of ${SESSION_ID_KEYS.join(', ')}) and were ignored`,
      );
    if (mapped.badIds.count)
      parts.push(
        `${mapped.badIds.count} span(s) have a conversation id that is not a valid session id (1–128 of A–Z a–z 0–9 . _ : -), e.g. "${mapped.badIds.example}"`,
      );
    if (refused.size)
      parts.push(
        `${refused.size} span(s) were refused: ${[...reasons]
          .slice(0, 3)
          .map(([reason, n]) => `${reason} (${n})`)
          .join('; ')}`,
      );
    return {
      rejectedSpans: mapped.withoutSession + mapped.badIds.count + refused.size,
      errorMessage: parts.join('. '),
    };
  }
}

/** One mapped session as ingest items: its create (when new), its user, messages and events. */
function itemsOf(s: MappedSession, storedMetadata: unknown): Item[] {
  const items: Item[] = [];
  if (storedMetadata === undefined)
    items.push({
      type: 'session',
      spans: s.spans,
      body: {
        id: s.id,
        agent: s.agent,
        channel: s.channel,
        type: s.type,
        startedAt: new Date(s.startedAt).toISOString(),
        ...(s.userId ? { metadata: { userId: s.userId } } : {}),
      },
    });
  else if (s.userId) {
    const metadata = (typeof storedMetadata === 'string' ? JSON.parse(storedMetadata) : storedMetadata) as Record<
      string,
      unknown
    >;
    if (metadata.userId !== s.userId)
      items.push({ type: 'session.update', spans: s.spans, body: { id: s.id, metadata: { userId: s.userId } } });
  }
  for (const { span, produced: _p, position: _q, ...m } of s.messages)
    items.push({ type: 'message', spans: [span], body: { ...m, sessionId: s.id } });
  for (const { span, ...e } of s.events) items.push({ type: 'event', spans: [span], body: { ...e, sessionId: s.id } });
  return items;
}
