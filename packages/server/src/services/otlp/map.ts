/**
 * OpenTelemetry spans → what Switchboard stores (docs/INTEGRATIONS.md): which session a span
 * belongs to, its agent, channel and type, the conversation's messages, tool calls and errors.
 * Pure: the service (./service.ts) turns the result into an ingest batch.
 *
 * Every model call repeats the conversation so far, so a message is named by what it is — its
 * session, its position in the conversation, its role and its text — and gets the same id
 * however many spans carry it: ingest stores it once and counts the others as duplicates.
 */
import { createHash } from 'node:crypto';
import {
  type Channel,
  CHANNELS,
  type EventInput,
  ID_PATTERN,
  LIMITS,
  type MessageInput,
  RESERVED_IDS,
  SESSION_TYPES,
  type SessionType,
} from '@switchboard/contracts';
import type { AttrValue, OtlpSpan } from '../../lib/otlp/decode.js';

/** Attributes naming the conversation, first match wins (span attributes, then the resource's). */
export const SESSION_ID_KEYS = [
  'gen_ai.conversation.id',
  'session.id',
  'langfuse.session.id',
  'ai.telemetry.metadata.sessionId',
  'conversation.id',
  'thread_id',
] as const;

/** Attributes naming the user, first match wins: stored as the session's metadata `userId`. */
const USER_ID_KEYS = ['user.id', 'ai.telemetry.metadata.userId', 'langfuse.user.id'] as const;

/** `gen_ai.operation.name` values and span names that mean the conversation is spoken. */
const SPEECH_OPERATIONS = new Set(['speech', 'transcription', 'text_to_speech', 'speech_to_text', 'tts', 'stt']);
const SPEECH_NAME = /^(tts|stt|speech|transcri)/i;

const idPattern = new RegExp(ID_PATTERN);
const NEEDS_CLEANING = /[\u0000\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

type Role = 'user' | 'agent' | 'other';
interface ConvMessage {
  role: Role;
  text: string;
}

export interface MappedMessage extends MessageInput {
  id: string;
  /** The span that carried it: a refused item counts against it. */
  span: number;
  /** From a span's output (the call that produced it) rather than a later call's history. */
  produced: boolean;
  /** Its place in the conversation (system instructions not counted). */
  position: number;
}

export interface MappedEvent extends EventInput {
  id: string;
  span: number;
}

export interface MappedSession {
  id: string;
  agent: { id: string; name?: string };
  channel: Channel;
  type: SessionType;
  startedAt: number;
  /** Whether a span named the agent (gen_ai.agent.*), rather than the service. */
  agentNamed?: boolean;
  userId?: string;
  /** Indexes of the spans that belong to it. */
  spans: number[];
  messages: MappedMessage[];
  events: MappedEvent[];
}

export interface MappedTraces {
  sessions: MappedSession[];
  /** Spans naming no conversation: ignored, and counted in partialSuccess. */
  withoutSession: number;
  /** Spans whose conversation id cannot be a session id, with the first such id. */
  badIds: { count: number; example?: string };
}

const str = (v: AttrValue | undefined): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

/** Text as it can be stored: no NUL (PostgreSQL refuses it) and no lone surrogate halves. */
function clean(text: string): string {
  // Most text has neither: one scan instead of two replacements.
  if (!NEEDS_CLEANING.test(text)) return text;
  return text.replace(/\u0000/g, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** At most `bytes` of UTF-8, cut at a character and marked with an ellipsis when cut. */
function fit(text: string, bytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= bytes) return text;
  const cut = Buffer.from(text, 'utf8')
    .subarray(0, bytes - 3)
    .toString('utf8');
  return `${cut.replace(/\uFFFD$/, '')}…`;
}

const attr = (span: OtlpSpan, key: string): AttrValue | undefined => span.attributes[key] ?? span.resource[key];

export function sessionIdOf(span: OtlpSpan): string | undefined {
  for (const attrs of [span.attributes, span.resource])
    for (const key of SESSION_ID_KEYS) {
      const v = str(attrs[key]);
      if (v !== undefined && v !== '') return v;
    }
  return undefined;
}

/** A client id the API accepts, made from any text (agent ids come from service names). */
function asId(text: string, fallback: string): string {
  const id = text.replace(/[^A-Za-z0-9._:-]+/g, '-').slice(0, 128);
  return id && !(RESERVED_IDS as readonly string[]).includes(id) ? id : fallback;
}

function roleOf(role: unknown): Role | 'system' {
  const r = typeof role === 'string' ? role.toLowerCase() : '';
  if (r === 'user' || r === 'human') return 'user';
  if (r === 'assistant' || r === 'model' || r === 'ai' || r === 'bot' || r === 'agent') return 'agent';
  if (r === 'system' || r === 'developer') return 'system';
  return 'other';
}

/** Parses a JSON text attribute (SDKs serialize message lists as strings); the value itself otherwise. */
function structured(v: AttrValue | undefined): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!t.startsWith('[') && !t.startsWith('{')) return v;
  try {
    return JSON.parse(t);
  } catch {
    return v;
  }
}

/** The text of a message's content: a string, or the text parts of a list of parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content
      .map((p) => {
        if (typeof p === 'string') return p;
        if (p && typeof p === 'object') {
          const part = p as Record<string, unknown>;
          if (part.type !== undefined && part.type !== 'text') return '';
          return typeof part.content === 'string' ? part.content : typeof part.text === 'string' ? part.text : '';
        }
        return '';
      })
      .filter((s) => s !== '')
      .join('\n');
  return '';
}

/** A list of `{role, parts | content}` messages (GenAI semantic conventions, the Vercel AI SDK). */
function listMessages(value: unknown): ConvMessage[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: ConvMessage[] = [];
  for (const m of value) {
    if (!m || typeof m !== 'object') continue;
    const o = m as Record<string, unknown>;
    const role = roleOf(o.role);
    if (role === 'system') continue;
    out.push({ role, text: textOf(o.parts ?? o.content) });
  }
  return out;
}

/** Flattened indexed attributes: `prefix.N.<rest>` for N = 0, 1, … while present. */
function indexed(span: OtlpSpan, prefix: string, roleKey: string, contentKeys: string[]): ConvMessage[] | undefined {
  const a = span.attributes;
  if (a[`${prefix}.0.${roleKey}`] === undefined && contentKeys.every((k) => a[`${prefix}.0.${k}`] === undefined))
    return undefined;
  const out: ConvMessage[] = [];
  for (let i = 0; i < 10_000; i++) {
    const role = a[`${prefix}.${i}.${roleKey}`];
    let text: string | undefined;
    for (const k of contentKeys) text ??= str(a[`${prefix}.${i}.${k}`]);
    if (text === undefined) {
      // OpenInference's multi-part contents: `….message.contents.M.message_content.text`.
      const parts: string[] = [];
      for (let j = 0; ; j++) {
        const t = a[`${prefix}.${i}.message.contents.${j}.message_content.text`];
        if (t === undefined) break;
        if (typeof t === 'string') parts.push(t);
      }
      if (parts.length) text = parts.join('\n');
    }
    if (role === undefined && text === undefined) break;
    const r = roleOf(role);
    if (r === 'system') continue;
    out.push({ role: r, text: text ?? '' });
  }
  return out;
}

/** The conversation a model call saw (input) and what it answered (output), in the first format present. */
export function conversationOf(span: OtlpSpan): { input: ConvMessage[]; output: ConvMessage[] } | undefined {
  const a = span.attributes;
  // Current GenAI conventions.
  const genIn = listMessages(structured(a['gen_ai.input.messages']));
  const genOut = listMessages(structured(a['gen_ai.output.messages']));
  if (genIn || genOut) return { input: genIn ?? [], output: genOut ?? [] };
  // The older indexed GenAI attributes.
  const promptIn = indexed(span, 'gen_ai.prompt', 'role', ['content']);
  const promptOut = indexed(span, 'gen_ai.completion', 'role', ['content']);
  if (promptIn || promptOut) return { input: promptIn ?? [], output: promptOut ?? [] };
  // OpenInference.
  const oiIn = indexed(span, 'llm.input_messages', 'message.role', ['message.content']);
  const oiOut = indexed(span, 'llm.output_messages', 'message.role', ['message.content']);
  if (oiIn || oiOut) return { input: oiIn ?? [], output: oiOut ?? [] };
  // The Vercel AI SDK: the provider-level call (`ai.*.doGenerate`, `ai.*.doStream`) carries both.
  const aiIn = listMessages(structured(a['ai.prompt.messages']));
  if (aiIn) {
    const text = str(a['ai.response.text']);
    return { input: aiIn, output: text !== undefined ? [{ role: 'agent', text }] : [] };
  }
  return undefined;
}

const num = (v: AttrValue | undefined): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0
    ? v
    : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) && Number(v) >= 0
      ? Number(v)
      : undefined;

function usageOf(span: OtlpSpan): MessageInput['usage'] | undefined {
  const a = span.attributes;
  const input = num(a['gen_ai.usage.input_tokens']) ?? num(a['gen_ai.usage.prompt_tokens']);
  const output = num(a['gen_ai.usage.output_tokens']) ?? num(a['gen_ai.usage.completion_tokens']);
  const model = str(a['gen_ai.response.model']) ?? str(a['gen_ai.request.model']);
  const cost = num(a['gen_ai.usage.cost']);
  if (input === undefined && output === undefined && model === undefined && cost === undefined) return undefined;
  return {
    ...(input !== undefined ? { inputTokens: Math.round(input) } : {}),
    ...(output !== undefined ? { outputTokens: Math.round(output) } : {}),
    ...(cost !== undefined ? { costUsd: cost } : {}),
    ...(model !== undefined ? { model: model.slice(0, LIMITS.usageModelLength) } : {}),
  };
}

/** How long the agent took: time to the first streamed chunk when the span tells, else the span's length. */
function latencyOf(span: OtlpSpan): number {
  const a = span.attributes;
  const firstChunk =
    num(a['ai.response.msToFirstChunk']) ??
    num(a['ai.stream.msToFirstChunk']) ??
    (num(a['gen_ai.response.time_to_first_chunk']) !== undefined
      ? (num(a['gen_ai.response.time_to_first_chunk']) as number) * 1000
      : undefined);
  return Math.min(LIMITS.latencyMsMax, Math.round(firstChunk ?? span.endMs - span.startMs));
}

function toolOf(span: OtlpSpan): { name: string; callId?: string } | undefined {
  const a = span.attributes;
  if (str(a['gen_ai.operation.name']) === 'execute_tool')
    return { name: str(a['gen_ai.tool.name']) ?? span.name, callId: str(a['gen_ai.tool.call.id']) };
  if (a['ai.toolCall.name'] !== undefined)
    return { name: str(a['ai.toolCall.name']) ?? span.name, callId: str(a['ai.toolCall.id']) };
  if (str(a['openinference.span.kind'])?.toUpperCase() === 'TOOL')
    return { name: str(a['tool.name']) ?? span.name, callId: str(a['tool_call.id']) };
  return undefined;
}

function isSpeech(span: OtlpSpan): boolean {
  const op = str(span.attributes['gen_ai.operation.name']);
  return (op !== undefined && SPEECH_OPERATIONS.has(op.toLowerCase())) || SPEECH_NAME.test(span.name);
}

const hashId = (prefix: string, ...parts: string[]) =>
  `${prefix}-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;

const iso = (ms: number) => new Date(ms).toISOString();

export function mapSpans(spans: OtlpSpan[]): MappedTraces {
  const sessions = new Map<string, MappedSession>();
  let withoutSession = 0;
  const badIds: MappedTraces['badIds'] = { count: 0 };
  // In start order, so that of the spans repeating a message the earliest names its time.
  const order = spans.map((_, i) => i).sort((x, y) => spans[x].startMs - spans[y].startMs || x - y);
  const messagesById = new Map<string, Map<string, MappedMessage>>();
  const idsBySession = new Map<string, Map<string, string | null>>();
  for (const i of order) {
    const span = spans[i];
    const sessionId = sessionIdOf(span);
    if (sessionId === undefined) {
      withoutSession++;
      continue;
    }
    if (!idPattern.test(sessionId) || (RESERVED_IDS as readonly string[]).includes(sessionId)) {
      badIds.count++;
      badIds.example ??= sessionId.slice(0, 64);
      continue;
    }
    let s = sessions.get(sessionId);
    if (!s) {
      const channel = str(attr(span, 'switchboard.channel'));
      const type = str(attr(span, 'switchboard.session_type'));
      s = {
        id: sessionId,
        agent: { id: asId(str(span.resource['service.name']) ?? 'otel', 'otel') },
        channel: (CHANNELS as readonly string[]).includes(channel ?? '') ? (channel as Channel) : 'web',
        type: (SESSION_TYPES as readonly string[]).includes(type ?? '') ? (type as SessionType) : 'chat',
        startedAt: span.startMs,
        spans: [],
        messages: [],
        events: [],
      };
      sessions.set(sessionId, s);
      messagesById.set(sessionId, new Map());
    }
    s.spans.push(i);
    s.startedAt = Math.min(s.startedAt, span.startMs);
    // An agent named by any span of the conversation beats the service's name.
    const namedId = str(attr(span, 'gen_ai.agent.id'));
    const namedName = str(attr(span, 'gen_ai.agent.name'));
    if (!s.agentNamed && (namedId || namedName)) {
      s.agent = {
        id: asId(namedId ?? namedName ?? '', 'otel'),
        ...(namedName ? { name: clean(namedName).slice(0, 256) } : {}),
      };
      s.agentNamed = true;
    }
    const userId = USER_ID_KEYS.map((k) => str(attr(span, k))).find((v) => v !== undefined && v !== '');
    if (userId && !s.userId) s.userId = clean(userId).slice(0, LIMITS.metadataStringLength);
    if (isSpeech(span) && str(attr(span, 'switchboard.session_type')) === undefined) s.type = 'voice';

    const conv = conversationOf(span);
    if (conv) {
      const known = messagesById.get(sessionId) as Map<string, MappedMessage>;
      const ids = idsBySession.get(sessionId) ?? new Map<string, string | null>();
      idsBySession.set(sessionId, ids);
      const add = (m: ConvMessage, position: number, produced: boolean) => {
        if (m.role === 'other') return;
        // Every later call repeats this message: its id is worked out once per export, from
        // the text as sent (a string key is far cheaper than cleaning and hashing it again).
        const key = `${position}\u0000${m.role}\u0000${m.text}`;
        let id = ids.get(key);
        if (id === undefined) {
          const text = clean(m.text);
          id = text.trim() === '' ? null : hashId('otel-m', sessionId, String(position), m.role, text);
          ids.set(key, id);
        }
        if (id === null) return;
        const prior = known.get(id);
        // The call that produced a message names its time, latency and usage; a later call's
        // history only repeats it.
        if (prior && (prior.produced || !produced)) return;
        const text = clean(m.text);
        const msg: MappedMessage = {
          id,
          span: i,
          produced,
          position,
          sender: m.role,
          content: fit(text, LIMITS.messageContentBytes),
          timestamp: iso(produced ? span.endMs : span.startMs),
        };
        if (produced && m.role === 'agent') {
          msg.latencyMs = latencyOf(span);
          const usage = usageOf(span);
          if (usage) msg.usage = usage;
        }
        known.set(id, msg);
      };
      for (const [p, m] of conv.input.entries()) add(m, p, false);
      for (const [p, m] of conv.output.entries()) add(m, conv.input.length + p, true);
    }

    const tool = toolOf(span);
    if (tool)
      s.events.push({
        id: `otel-tool-${span.spanId || hashId('s', span.traceId, span.name, String(span.startMs))}`,
        span: i,
        type: 'tool_call',
        timestamp: iso(span.endMs),
        data: {
          name: clean(tool.name).slice(0, 256),
          status: span.statusCode === 2 ? 'error' : 'ok',
          durationMs: span.endMs - span.startMs,
          ...(tool.callId ? { toolCallId: clean(tool.callId).slice(0, 256) } : {}),
        },
      });
    const exception = span.events.find((e) => e.name === 'exception');
    if (span.statusCode === 2 || exception) {
      const message = str(exception?.attributes['exception.message']) ?? (span.statusMessage || `${span.name} failed`);
      const type = str(exception?.attributes['exception.type']);
      s.events.push({
        id: `otel-error-${span.spanId || hashId('s', span.traceId, span.name, String(span.startMs))}`,
        span: i,
        type: 'error',
        timestamp: iso(exception?.timeMs || span.endMs),
        data: {
          message: clean(message).slice(0, 1000),
          span: clean(span.name).slice(0, 256),
          ...(type ? { errorType: clean(type).slice(0, 256) } : {}),
        },
      });
    }
  }
  // In conversation order: ingest numbers a session's messages in the order they arrive.
  for (const [id, s] of sessions)
    s.messages = [...(messagesById.get(id)?.values() ?? [])].sort((x, y) => x.position - y.position);
  return { sessions: [...sessions.values()], withoutSession, badIds };
}
