/**
 * Vapi's server messages (`status-update`, `conversation-update`, `transcript`, `hang`,
 * `end-of-call-report`) → ingest items (docs/INTEGRATIONS.md has the table). The session's id is
 * Vapi's `call.id`; every row gets an id derived from the call, so a redelivered message changes
 * nothing, and the end-of-call report's transcript adds only what did not arrive live.
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

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Vapi authenticates a server URL either with its secret in `x-vapi-secret` (the server URL
 * secret, or a Bearer credential) or with an HMAC credential: `x-vapi-signature` = hex
 * HMAC-SHA256 of the body with the secret (optionally prefixed `sha256=`).
 */
export function verifyVapi(body: Buffer, secret: string, headers: Record<string, string | undefined>): string | null {
  const plain = headers['x-vapi-secret'];
  if (plain !== undefined) return same(plain, secret) ? null : 'x-vapi-secret does not match the secret';
  const bearer = headers.authorization?.replace(/^Bearer\s+/i, '');
  const signature = headers['x-vapi-signature'];
  if (signature !== undefined) {
    const hex = signature.trim().replace(/^sha256=/i, '');
    const expected = createHmac('sha256', secret).update(body).digest('hex');
    return same(hex.toLowerCase(), expected) ? null : 'x-vapi-signature does not match the body and secret';
  }
  if (bearer !== undefined) return same(bearer, secret) ? null : 'the Bearer token does not match the secret';
  return 'no x-vapi-secret or x-vapi-signature header (set the secret on the Vapi server URL or its credential)';
}

interface VapiMessageItem {
  role?: string;
  message?: string;
  time?: number;
}
export interface VapiCall {
  id?: string;
  type?: string;
  phoneCallTransport?: string;
  assistantId?: string;
  createdAt?: string;
}
export interface VapiServerMessage {
  type?: string;
  status?: string;
  call?: VapiCall;
  assistant?: { id?: string; name?: string };
  messages?: VapiMessageItem[];
  role?: string;
  transcriptType?: string;
  transcript?: string;
  timestamp?: number;
  endedReason?: string;
  endedAt?: string;
  cost?: number;
  recordingUrl?: string;
  artifact?: { messages?: VapiMessageItem[]; recordingUrl?: string };
  analysis?: { summary?: string; successEvaluation?: unknown };
}

/** `endedReason` → the session's ending (docs/INTEGRATIONS.md). */
export function vapiStatus(reason: string): Exclude<Status, 'active'> {
  if (reason === 'customer-did-not-answer' || reason === 'customer-busy' || reason.includes('cancel'))
    return 'cancelled';
  if (reason.includes('error') || reason.includes('failed') || reason.includes('fault')) return 'failed';
  return 'completed';
}

function channelOf(call: VapiCall): 'web' | 'phone' | 'sip' {
  const type = (call.type ?? '').toLowerCase();
  if (type.includes('sip') || (call.phoneCallTransport ?? '').toLowerCase() === 'sip') return 'sip';
  if (type.includes('phone')) return 'phone';
  return 'web';
}

const roleOf = (role: string | undefined) =>
  role === 'user' ? 'user' : role === 'bot' || role === 'assistant' ? 'agent' : undefined;

function messageItems(callId: string, list: VapiMessageItem[] | undefined): Item[] {
  const spoken = (Array.isArray(list) ? list : []).flatMap((m) => {
    const sender = roleOf(m.role);
    return sender && typeof m.message === 'string' && m.message.trim() !== ''
      ? [{ sender, text: m.message, time: m.time }]
      : [];
  });
  const ids = occurrenceIds(
    'vapi-m',
    callId,
    spoken.map((m) => ({ role: m.sender, text: m.text })),
  );
  return spoken.map((m, i) => ({
    type: 'message',
    body: {
      sessionId: callId,
      id: ids[i],
      sender: m.sender,
      content: messageText(m.text),
      ...(isoOf(m.time) ? { timestamp: isoOf(m.time) } : {}),
    },
  }));
}

export function mapVapi(payload: { message?: VapiServerMessage }, agentOverride: string | null): Mapped {
  const m = payload?.message;
  const eventType = typeof m?.type === 'string' ? m.type.slice(0, 64) : null;
  if (!m?.call || typeof m.call.id !== 'string' || m.call.id === '')
    return { eventType, items: [], note: 'no message.call.id in the payload' };
  const call = m.call;
  const callId = clientId(call.id, 'call');
  const session: Item = {
    type: 'session',
    body: {
      id: callId,
      agent: {
        id: agentOverride ?? clientId(m.assistant?.id ?? call.assistantId, 'vapi-assistant'),
        ...(typeof m.assistant?.name === 'string' && m.assistant.name ? { name: m.assistant.name.slice(0, 256) } : {}),
      },
      channel: channelOf(call),
      type: 'voice',
      // The call's creation, which every message carries the same: a repeated create is the same create.
      ...(call.createdAt && !Number.isNaN(Date.parse(call.createdAt))
        ? { startedAt: new Date(Date.parse(call.createdAt)).toISOString() }
        : {}),
    },
  };
  let scores: Mapped['scores'];
  const items: Item[] = [session];
  switch (eventType) {
    case 'status-update':
      break;
    case 'conversation-update':
      items.push(...messageItems(callId, m.messages));
      break;
    case 'transcript':
    case 'transcript[transcriptType="final"]': {
      if (m.transcriptType !== 'final') return { eventType, items: [], note: 'partial transcripts are not stored' };
      const sender = roleOf(m.role);
      if (sender && typeof m.transcript === 'string' && m.transcript.trim() !== '')
        items.push({
          type: 'message',
          body: {
            sessionId: callId,
            // As the same utterance's first occurrence in a conversation-update or the final report.
            id: occurrenceIds('vapi-m', callId, [{ role: sender, text: m.transcript }])[0],
            sender,
            content: messageText(m.transcript),
            ...(isoOf(m.timestamp) ? { timestamp: isoOf(m.timestamp) } : {}),
          },
        });
      break;
    }
    case 'hang':
      items.push({
        type: 'event',
        body: {
          sessionId: callId,
          id: stableId('vapi-hang', callId, m.timestamp ?? 0),
          type: 'hang',
          ...(isoOf(m.timestamp) ? { timestamp: isoOf(m.timestamp) } : {}),
          data: { reason: 'the assistant did not answer in time' },
        },
      });
      break;
    case 'end-of-call-report': {
      items.push(...messageItems(callId, m.artifact?.messages));
      const endedAt = m.endedAt && !Number.isNaN(Date.parse(m.endedAt)) ? isoOf(Date.parse(m.endedAt)) : undefined;
      const reason = typeof m.endedReason === 'string' ? m.endedReason : 'ended';
      if (reason === 'assistant-forwarded-call')
        items.push({
          type: 'event',
          body: {
            sessionId: callId,
            id: stableId('vapi-handoff', callId),
            type: 'agent_handoff',
            ...(endedAt ? { timestamp: endedAt } : {}),
            data: { reason },
          },
        });
      if (typeof m.cost === 'number' && Number.isFinite(m.cost) && m.cost >= 0)
        items.push({
          type: 'event',
          body: {
            sessionId: callId,
            id: stableId('vapi-usage', callId),
            type: 'usage',
            ...(endedAt ? { timestamp: endedAt } : {}),
            data: { costUsd: m.cost },
          },
        });
      const metadata = metadataOf({
        summary: m.analysis?.summary,
        recordingUrl: m.artifact?.recordingUrl ?? m.recordingUrl,
      });
      scores = { sessionId: callId, values: scoresOf({ success: m.analysis?.successEvaluation ?? undefined }) };
      if (Object.keys(metadata).length) items.push({ type: 'session.update', body: { id: callId, metadata } });
      items.push({ type: 'session.update', body: { id: callId, ...terminal(vapiStatus(reason), reason, endedAt) } });
      break;
    }
    default:
      return { eventType, items: [], note: `"${eventType}" messages are not used` };
  }
  return { eventType, items, ...(scores && Object.keys(scores.values).length ? { scores } : {}) };
}
