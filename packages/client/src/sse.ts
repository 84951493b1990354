/**
 * The live stream over plain fetch. EventSource cannot send an Authorization header, and a
 * reconnect that resumes exactly where it broke off needs control over `Last-Event-ID`, so the
 * SDK parses Server-Sent Events itself (the WHATWG parsing rules, minus what the server never
 * sends).
 */
import { filtersToQuery } from '@switchboard/contracts';
import { SwitchboardError, networkError } from './errors.js';
import type { RequestOptions, Transport } from './http.js';
import type { SessionFilters, StreamEvent } from './types.js';
import { backoffDelay, sleep } from './util.js';

interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

/** Incremental SSE parser: feed it chunks, get whole messages back. */
class SseParser {
  /** The last `id:` seen, kept across messages as the spec says. */
  lastEventId: string | undefined;
  /** The last `retry:` hint, in milliseconds. */
  retry: number | undefined;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private first = true;

  push(chunk: Uint8Array | string): SseMessage[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    if (this.first && this.buffer.length) {
      if (this.buffer.charCodeAt(0) === 0xfeff) this.buffer = this.buffer.slice(1);
      this.first = false;
    }
    const out: SseMessage[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (c === '\r' && i === this.buffer.length - 1) break;
      const line = this.buffer.slice(start, i);
      if (c === '\r' && this.buffer[i + 1] === '\n') i++;
      start = i + 1;
      const msg = this.line(line);
      if (msg) out.push(msg);
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') {
      const msg = this.data.length
        ? { id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') }
        : undefined;
      this.data = [];
      this.event = '';
      return msg;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') {
      if (!value.includes('\0')) this.lastEventId = value;
    } else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
    return undefined;
  }
}

/**
 * The request options that fit a stream, which reconnects for as long as you iterate (so no
 * `maxRetries`) and is a GET (so no `idempotencyKey`), plus how it reconnects.
 */
export interface StreamOptions extends Pick<RequestOptions, 'timeoutMs' | 'headers'> {
  /** Resume after this event id: every event after it is replayed first. */
  lastEventId?: string;
  /** Stops the stream; the iterator then finishes without an error. */
  signal?: AbortSignal;
  /** Overrides the server's `retry:` hint (3 s) as the wait before reconnecting. */
  reconnectDelayMs?: number;
  /** With nothing, not even a heartbeat, for this long the connection counts as dead (45 s). */
  idleTimeoutMs?: number;
  /** Told about every reconnect, with the id it resumes after. */
  onReconnect?: (info: { lastEventId: string | undefined; delayMs: number; error?: unknown }) => void;
}

/**
 * Follows `GET /stream` for as long as the caller iterates: connection drops, heartbeat gaps,
 * 5xx and 429 lead to a reconnect with `Last-Event-ID`, so the server replays what was missed
 * and no event is skipped or repeated. Only the caller (break, `signal`) or a 4xx ends it.
 */
export async function* liveStream(
  transport: Transport,
  filters: SessionFilters,
  opts: StreamOptions,
): AsyncGenerator<StreamEvent, void, undefined> {
  const { signal, timeoutMs } = opts;
  const query = filtersToQuery(filters);
  let lastEventId = opts.lastEventId;
  let retryMs = 3000;
  let failures = 0;
  const idleMs = opts.idleTimeoutMs ?? 45_000;
  let current: AbortController | undefined;
  try {
    while (!signal?.aborted) {
      let error: unknown;
      try {
        const raw = await transport.raw(
          'GET',
          '/stream',
          {
            query,
            headers: { accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
          },
          { signal, timeoutMs, headers: opts.headers },
        );
        current = raw.controller;
        const parser = new SseParser();
        const body = raw.response.body;
        if (!body) throw networkError(undefined, 'the stream response has no body');
        const reader = body.getReader();
        let idle: ReturnType<typeof setTimeout> | undefined;
        const watch = () => {
          if (idle) clearTimeout(idle);
          idle = setTimeout(() => raw.controller.abort(), idleMs);
        };
        try {
          watch();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            watch();
            for (const msg of parser.push(value)) {
              let event: StreamEvent;
              try {
                event = JSON.parse(msg.data) as StreamEvent;
              } catch {
                continue;
              }
              if (msg.id !== undefined) lastEventId = msg.id;
              failures = 0;
              yield event;
            }
            if (parser.retry !== undefined) retryMs = parser.retry;
          }
        } finally {
          if (idle) clearTimeout(idle);
          raw.controller.abort();
          raw.dispose();
        }
      } catch (err) {
        if (signal?.aborted) return;
        // A refused stream (bad filter, bad key, missing scope) will be refused again.
        if (err instanceof SwitchboardError && !err.retryable) throw err;
        error = err;
      }
      if (signal?.aborted) return;
      // A stream that ended cleanly (server restart) waits the server's hint; one that keeps
      // failing backs off on top of it.
      const base = opts.reconnectDelayMs ?? retryMs;
      const delayMs = failures === 0 ? base : base + backoffDelay(failures, 1000, 30_000);
      failures++;
      opts.onReconnect?.({ lastEventId, delayMs, error });
      try {
        await sleep(delayMs, signal);
      } catch {
        return;
      }
    }
  } finally {
    current?.abort();
  }
}
