/**
 * Retell's webhook events (`call_started`, `call_ended`, `call_analyzed`) → ingest items
 * (docs/INTEGRATIONS.md has the table). The session's id is Retell's `call_id`; every row gets
 * an id derived from the call, so a redelivered event changes nothing.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Status } from '@switchboard/contracts';
import {
  clientId,
  isoOf,
  type Item,
  type Mapped,
  messageText,
  metadataOf,
  occurrenceIds,
  scoresOf,
  stableId,
  terminal,
} from './common.js';

/** How old a signature may be (as the retell-sdk package checks it). */
const SIGNATURE_WINDOW_MS = 5 * 60 * 1000;

/**
 * `X-Retell-Signature: v=<ms>,d=<hex HMAC-SHA256(apiKey, body + ms)>`, within five minutes of
 * now: what `Retell.verify` of the retell-sdk package accepts.
 */
export function verifyRetell(
  body: Buffer,
  apiKey: string,
  header: string | undefined,
  now = Date.now(),
): string | null {
  if (!header) return 'no X-Retell-Signature header';
  const match = /^v=(\d{1,16}),d=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return 'X-Retell-Signature is not of the form v=<timestamp>,d=<hex digest>';
  const stamp = Number(match[1]);
  if (Math.abs(now - stamp) > SIGNATURE_WINDOW_MS) return 'X-Retell-Signature is older than five minutes';
  const expected = createHmac('sha256', apiKey).update(body).update(String(stamp)).digest();
  const given = Buffer.from(match[2], 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected)
    ? null
    : 'X-Retell-Signature does not match the body (is the secret the Retell API key that signs webhooks?)';
}

interface Word {
  word?: string;
  start?: number;
  end?: number;
}
interface Utterance {
  role?: string;
  content?: string;
  words?: Word[];
}
export interface RetellCall {
  call_id?: string;
  call_type?: string;
  agent_id?: string;
  agent_name?: string;
  start_timestamp?: number;
  end_timestamp?: number;
  disconnection_reason?: string;
  transcript_object?: Utterance[];
  recording_url?: string;
  call_analysis?: {
    call_summary?: string;
    user_sentiment?: string;
    call_successful?: boolean;
  };
  call_cost?: { combined_cost?: number };
}
export interface RetellEvent {
  event?: string;
  call?: RetellCall;
}

/** `disconnection_reason` → the session's ending (docs/INTEGRATIONS.md). */
export function retellStatus(reason: string): Exclude<Status, 'active'> {
  if (reason.startsWith('error_')) return 'failed';
  if (reason.startsWith('dial_') || reason.endsWith('_no_answer') || reason === 'user_declined') return 'cancelled';
  return 'completed';
}

const seconds = (s: number | undefined) => (typeof s === 'number' && Number.isFinite(s) ? s : undefined);

function transcriptItems(call: RetellCall, callId: string): Item[] {
  const utterances = (Array.isArray(call.transcript_object) ? call.transcript_object : []).filter(
    (u) => (u.role === 'agent' || u.role === 'user') && typeof u.content === 'string' && u.content.trim() !== '',
  );
  const ids = occurrenceIds(
    'retell-m',
    callId,
    utterances.map((u) => ({ role: u.role ?? '', text: u.content ?? '' })),
  );
  const start = call.start_timestamp;
  let lastUserEnd: number | undefined;
  return utterances.map((u, i): Item => {
    const words = Array.isArray(u.words) ? u.words : [];
    const first = seconds(words[0]?.start);
    const last = seconds(words[words.length - 1]?.end);
    const body: Record<string, unknown> = {
      sessionId: callId,
      id: ids[i],
      sender: u.role === 'agent' ? 'agent' : 'user',
      content: messageText(u.content ?? ''),
    };
    if (start !== undefined && first !== undefined) body.timestamp = isoOf(start + Math.round(first * 1000));
    if (u.role === 'user') lastUserEnd = last;
    else if (first !== undefined && lastUserEnd !== undefined && first >= lastUserEnd) {
      // The agent's first word start minus the user's last word end.
      body.latencyMs = Math.round((first - lastUserEnd) * 1000);
      lastUserEnd = undefined;
    }
    return { type: 'message', body };
  });
}

export function mapRetell(payload: RetellEvent, agentOverride: string | null): Mapped {
  const eventType = typeof payload.event === 'string' ? payload.event.slice(0, 64) : null;
  const call = payload.call;
  if (!call || typeof call.call_id !== 'string' || call.call_id === '')
    return { eventType, items: [], note: 'no call.call_id in the payload' };
  const callId = clientId(call.call_id, 'call');
  let scores: Mapped['scores'];
  const items: Item[] = [
    {
      type: 'session',
      body: {
        id: callId,
        agent: {
          id: agentOverride ?? clientId(call.agent_id, 'retell-agent'),
          ...(typeof call.agent_name === 'string' && call.agent_name ? { name: call.agent_name.slice(0, 256) } : {}),
        },
        channel: call.call_type === 'phone_call' ? 'phone' : 'web',
        type: 'voice',
        ...(isoOf(call.start_timestamp) ? { startedAt: isoOf(call.start_timestamp) } : {}),
      },
    },
  ];
  const recording = typeof call.recording_url === 'string' ? call.recording_url : undefined;
  if (eventType === 'call_ended' || eventType === 'call_analyzed') {
    items.push(...transcriptItems(call, callId));
    const reason = typeof call.disconnection_reason === 'string' ? call.disconnection_reason : undefined;
    if (reason === 'call_transfer')
      items.push({
        type: 'event',
        body: {
          sessionId: callId,
          id: stableId('retell-handoff', callId),
          type: 'agent_handoff',
          ...(isoOf(call.end_timestamp) ? { timestamp: isoOf(call.end_timestamp) } : {}),
          data: { reason },
        },
      });
    const metadata = metadataOf({ recordingUrl: recording });
    if (Object.keys(metadata).length) items.push({ type: 'session.update', body: { id: callId, metadata } });
    if (reason)
      items.push({
        type: 'session.update',
        body: { id: callId, ...terminal(retellStatus(reason), reason, isoOf(call.end_timestamp)) },
      });
  }
  if (eventType === 'call_analyzed') {
    const a = call.call_analysis ?? {};
    const metadata = metadataOf({ summary: a.call_summary });
    if (Object.keys(metadata).length) items.push({ type: 'session.update', body: { id: callId, metadata } });
    scores = { sessionId: callId, values: scoresOf({ sentiment: a.user_sentiment, successful: a.call_successful }) };
    const cents = call.call_cost?.combined_cost;
    if (typeof cents === 'number' && Number.isFinite(cents) && cents >= 0)
      items.push({
        type: 'event',
        body: {
          sessionId: callId,
          id: stableId('retell-usage', callId),
          type: 'usage',
          ...(isoOf(call.end_timestamp) ? { timestamp: isoOf(call.end_timestamp) } : {}),
          // Retell reports cents.
          data: { costUsd: cents / 100 },
        },
      });
  }
  return { eventType, items, ...(scores && Object.keys(scores.values).length ? { scores } : {}) };
}
