/**
 * Buffered ingest: sessions, messages, events and updates queue up in call order and go out
 * through `POST /ingest` in batches, one request at a time so the server sees them in the order
 * they were made. A batch leaves when it is full, when the oldest queued item has waited
 * `flushIntervalMs`, or when someone flushes. Every message and event gets an id here, and every
 * request an Idempotency-Key, so a retried request can never store anything twice.
 */
import { SwitchboardError, SwitchboardIngestError, errorFor, networkError, withItem } from './errors.js';
import type { Transport } from './http.js';
import type {
  Channel,
  IngestBatchResult,
  IngestItem,
  IngestItemResult,
  Metadata,
  Sender,
  SessionType,
  Status,
  TerminalStatus,
  UpdateSessionBody,
  Usage,
} from './types.js';
import { uuidv7 } from './util.js';

export interface IngestOptions {
  batchSize: number;
  flushIntervalMs: number;
  maxQueue: number;
  onError?: (error: SwitchboardError, items: IngestItem[]) => void;
}

interface Pending {
  seq: number;
  item: IngestItem;
  bytes: number;
  sessionId: string;
  resolve(result: IngestItemResult): void;
  reject(error: SwitchboardError): void;
}

// The server takes 5 MiB per request; the rest is headroom for the envelope and estimates.
const BATCH_BYTES = 4 * 1024 * 1024;

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const ignore = () => {};

/**
 * The promise a fire-and-forget call returns: settles with the item, but is marked handled so
 * an ignored refusal cannot crash the process (it reaches onError and flush() instead).
 */
function handled(p: Promise<unknown>): Promise<void> {
  const done = p.then(ignore);
  done.catch(ignore);
  return done;
}

function timeOf(value: Date | string | undefined): string {
  if (value === undefined) return new Date().toISOString();
  return value instanceof Date ? value.toISOString() : value;
}

export class Ingester {
  private queue: Pending[] = [];
  private seq = 0;
  private flushUpTo = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private failures: Array<{ sessionId: string; error: SwitchboardError }> = [];
  private closed = false;

  constructor(
    private readonly transport: Transport,
    private readonly opts: IngestOptions,
  ) {}

  /** Items waiting to be sent. */
  get pending(): number {
    return this.queue.length;
  }

  enqueue(item: IngestItem): Promise<IngestItemResult> {
    if (this.closed) throw new Error('Switchboard: this client is closed; create a new one to report more.');
    const sessionId =
      item.type === 'session' || item.type === 'session.update' ? (item.body.id ?? '') : item.body.sessionId;
    const promise = new Promise<IngestItemResult>((resolve, reject) => {
      const seq = ++this.seq;
      const pending: Pending = { seq, item, bytes: utf8Length(JSON.stringify(item)) + 1, sessionId, resolve, reject };
      if (this.queue.length >= this.opts.maxQueue) {
        this.fail(
          [pending],
          new SwitchboardError({
            type: 'queue-full',
            title: 'Ingest queue full',
            status: 0,
            detail: `${this.opts.maxQueue} items are waiting to be sent; is the server reachable?`,
          }),
        );
        return;
      }
      this.queue.push(pending);
    });
    // Fire-and-forget is the normal way to report a message, so a refusal must not crash the
    // process as an unhandled rejection; it reaches onError and the next flush() instead. A
    // caller that awaits the promise still gets the rejection.
    promise.catch(ignore);
    if (this.queue.length >= this.opts.batchSize) void this.kick();
    else this.arm();
    return promise;
  }

  /** Sends everything queued so far; rejects with the failures reported since the last flush. */
  async flush(): Promise<void> {
    await this.sendUpTo(this.seq);
    const failures = this.failures.splice(0).map((f) => f.error);
    if (failures.length) throw new SwitchboardIngestError(failures);
  }

  /** Sends everything queued so far and takes this session's failures out of the shared list. */
  async flushSession(sessionId: string): Promise<SwitchboardError[]> {
    await this.sendUpTo(this.seq);
    const mine = this.failures.filter((f) => f.sessionId === sessionId);
    this.failures = this.failures.filter((f) => f.sessionId !== sessionId);
    return mine.map((f) => f.error);
  }

  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private sendUpTo(seq: number): Promise<void> {
    this.flushUpTo = Math.max(this.flushUpTo, seq);
    return this.kick();
  }

  private arm() {
    // Deliberately not unref'd: a script that reports a conversation and returns without
    // close() still gets its last batch out before Node exits.
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sendUpTo(this.seq);
    }, this.opts.flushIntervalMs);
  }

  private kick(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      this.arm();
    });
    return this.running;
  }

  private async drain() {
    // Full batches always go; a partial one only when a flush or the timer asked for it, so a
    // steady trickle of messages still travels in batches rather than one request per message.
    while (this.queue.length >= this.opts.batchSize || (this.queue.length && this.queue[0].seq <= this.flushUpTo)) {
      const batch: Pending[] = [];
      let bytes = 0;
      while (batch.length < this.opts.batchSize && this.queue.length) {
        const next = this.queue[0];
        if (batch.length && bytes + next.bytes > BATCH_BYTES) break;
        batch.push(next);
        bytes += next.bytes;
        this.queue.shift();
      }
      await this.send(groupBySession(batch));
    }
  }

  private async send(batch: Pending[]) {
    let result: IngestBatchResult;
    // A refused item's error carries the batch's request id: the server logs the batch under it.
    let requestId: string | undefined;
    try {
      result = await this.transport.request<IngestBatchResult>('POST', '/ingest', {
        body: { batch: batch.map((p) => p.item) },
        onResponse: (res) => {
          requestId = res.headers.get('x-request-id') ?? undefined;
        },
      });
    } catch (err) {
      const error = err instanceof SwitchboardError ? err : networkError(err, 'POST /ingest failed unexpectedly');
      this.fail(batch, error);
      return;
    }
    const byIndex = new Map(result.results.map((r) => [r.index, r]));
    batch.forEach((p, i) => {
      const r = byIndex.get(i);
      if (r && r.status < 300) {
        p.resolve(r);
        return;
      }
      const problem = r?.error ?? {
        type: 'about:blank',
        title: r ? `Refused with ${r.status}` : 'Missing from the batch result',
        status: r?.status ?? 0,
      };
      this.fail([p], errorFor({ ...problem, status: r?.status ?? problem.status }, { item: p.item, requestId }));
    });
  }

  private fail(items: Pending[], error: SwitchboardError) {
    for (const p of items) {
      p.reject(items.length === 1 && !error.item ? withItem(error, p.item) : error);
    }
    // One failure record per session touched, so a session's end() can claim its own.
    const sessions = new Set(items.map((p) => p.sessionId));
    for (const sessionId of sessions) this.failures.push({ sessionId, error });
    const report =
      this.opts.onError ??
      ((e: SwitchboardError, its: IngestItem[]) =>
        console.error(`[switchboard] ${its.length} ingest item(s) not stored: ${e.message}`));
    try {
      report(
        error,
        items.map((p) => p.item),
      );
    } catch {
      // A throwing onError must not stop the queue.
    }
  }
}

/**
 * Puts each session's items next to each other, keeping their order within the session (and a
 * session's creation first, since it is its first item). The server applies a run of messages
 * of one session as a single append, so agents that interleave many conversations still cost it
 * one append per session per batch instead of one per message. Sessions are independent, so no
 * order that matters changes.
 */
function groupBySession(batch: Pending[]): Pending[] {
  const rank = new Map<string, number>();
  for (const p of batch) if (!rank.has(p.sessionId)) rank.set(p.sessionId, rank.size);
  if (rank.size === 1) return batch;
  return [...batch].sort(
    (a, b) => (rank.get(a.sessionId) as number) - (rank.get(b.sessionId) as number) || a.seq - b.seq,
  );
}

export interface StartSessionInput {
  /** Your own id (letters, digits, `.`, `_`, `:`, `-`; ≤ 128); a UUIDv7 is made when absent. */
  id?: string;
  /** The agent's id, or its id and display name. */
  agent: string | { id: string; name?: string };
  channel: Channel;
  type: SessionType;
  metadata?: Metadata;
  /** Labels to find it by (at most 20; letters, digits, `_ . : -`); stored in lower case. */
  tags?: string[];
  /** Defaults to now (this machine's clock). */
  startedAt?: Date | string;
}

export interface ItemOptions {
  /** Your own id; the SDK makes a UUIDv7 otherwise. Either way a retry never stores it twice. */
  id?: string;
  /** Defaults to now (this machine's clock), not to when the batch reaches the server. */
  timestamp?: Date | string;
}

/** What a message may carry besides its text: the figures of an agent's answer. */
export interface MessageOptions extends ItemOptions {
  metadata?: Metadata;
  /**
   * Agent messages: how long the agent took to produce it, in ms (≤ a day). Without it the
   * server counts the time since the latest earlier user message.
   */
  latencyMs?: number;
  /** Agent messages: the user barged in over it (voice). */
  interrupted?: boolean;
  /** Tokens and cost of producing it; adds to the session's totals. */
  usage?: Usage;
}

/**
 * One conversation being reported. Calls queue up and return at once; the SDK sends them in
 * batches. Each returns a promise that settles when the server has stored (or refused) the
 * item, which you may await or ignore: refusals also reach `onError` and the next `flush()`.
 */
export class SessionHandle {
  constructor(
    private readonly ingester: Ingester,
    /** The session id, yours or the one the SDK made. */
    readonly id: string,
  ) {}

  /**
   * Records a message.
   *
   * An agent message may say how long it took (`latencyMs`), whether the user cut it off
   * (`interrupted`) and what it cost (`usage`); the session's stats add them up. The server
   * refuses `latencyMs` and `interrupted` on a user message.
   *
   * @example
   * session.message('user', 'My order has not arrived');
   * session.message('agent', 'Let me check that for you.', {
   *   latencyMs: 840,
   *   usage: { inputTokens: 512, outputTokens: 38, costUsd: 0.0021, model: 'gpt-4o-mini' },
   * });
   */
  message(sender: Sender, content: string, opts: MessageOptions = {}): Promise<void> {
    return handled(
      this.ingester.enqueue({
        type: 'message',
        body: {
          sessionId: this.id,
          id: opts.id ?? uuidv7(),
          sender,
          content,
          timestamp: timeOf(opts.timestamp),
          ...(opts.metadata ? { metadata: opts.metadata } : {}),
          ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
          ...(opts.interrupted !== undefined ? { interrupted: opts.interrupted } : {}),
          ...(opts.usage ? { usage: opts.usage } : {}),
        },
      }),
    );
  }

  /**
   * Adds tokens and cost to the session, apart from any message: a summarization pass, an
   * embedding call, a tool's own model. Sent as a `usage` event whose id is fixed when you call
   * (yours with `{id}`, else a new one), so however often the request is retried — or you call
   * again with the same `id` — it is counted once.
   *
   * @example
   * const result = await generateText({ model, prompt });
   * session.reportUsage({
   *   inputTokens: result.usage.inputTokens,
   *   outputTokens: result.usage.outputTokens,
   *   costUsd: 0.0042,
   *   model: 'gpt-4o',
   * });
   */
  reportUsage(usage: Usage, opts: ItemOptions = {}): Promise<void> {
    // Only the parts given: `undefined` would fail the server's schema after JSON drops it anyway.
    const data: Record<string, unknown> = {};
    for (const key of ['inputTokens', 'outputTokens', 'costUsd', 'model'] as const)
      if (usage[key] !== undefined && usage[key] !== null) data[key] = usage[key];
    return this.event('usage', data, opts);
  }

  /**
   * Records that the conversation moved to another agent or a person (an `agent_handoff`
   * event); the session's `stats.handoffs` counts them.
   *
   * @example
   * session.handoff({ from: 'support-bot', to: 'human:billing', reason: 'customer_requested' });
   */
  handoff(data?: Record<string, unknown>, opts: ItemOptions = {}): Promise<void> {
    return this.event('agent_handoff', data, opts);
  }

  /**
   * Records an error the agent ran into (an `error` event); the session's `stats.errors` counts
   * them. It does not end the session: `end('failed')` does.
   *
   * @example
   * session.error({ code: 'UPSTREAM_TIMEOUT', message: 'No response from the model within 30 s' });
   */
  error(data?: Record<string, unknown>, opts: ItemOptions = {}): Promise<void> {
    return this.event('error', data, opts);
  }

  /**
   * Records a system event: a well-known type (`connection_established`, `disconnected`,
   * `error`, `agent_handoff`) or your own (`^[a-z][a-z0-9_.]{0,63}$`).
   *
   * @example
   * session.event('agent_handoff', { from: 'bot', to: 'human', queue: 'billing' });
   */
  event(type: string, data?: Record<string, unknown>, opts: ItemOptions = {}): Promise<void> {
    return handled(
      this.ingester.enqueue({
        type: 'event',
        body: {
          sessionId: this.id,
          id: opts.id ?? uuidv7(),
          type,
          timestamp: timeOf(opts.timestamp),
          ...(data ? { data } : {}),
        },
      }),
    );
  }

  /**
   * Merges metadata (a `null` value deletes the key), renames the agent, or changes the tags:
   * `tags` replaces them, then `addTags` and `removeTags` change them.
   *
   * @example
   * session.update({ metadata: { intent: 'refund', escalated: true } });
   * session.update({ addTags: ['refund'], removeTags: ['triage'] });
   */
  update(patch: Pick<UpdateSessionBody, 'metadata' | 'agent' | 'tags' | 'addTags' | 'removeTags'>): Promise<void> {
    return handled(this.ingester.enqueue({ type: 'session.update', body: { id: this.id, ...patch } }));
  }

  /**
   * Ends the session and sends everything queued. Resolves once the server has stored it all;
   * rejects with a `SwitchboardIngestError` if any item of this session was refused.
   *
   * @example
   * await session.end('completed', { endedReason: 'resolved' });
   * await session.end('failed', { endedReason: 'agent_error' });
   */
  async end(
    status: TerminalStatus = 'completed',
    opts: { endedReason?: string; endedAt?: Date | string; metadata?: Metadata } = {},
  ): Promise<void> {
    const done = this.ingester.enqueue({
      type: 'session.update',
      body: {
        id: this.id,
        status: status as Status,
        endedAt: timeOf(opts.endedAt),
        ...(opts.endedReason ? { endedReason: opts.endedReason } : {}),
        ...(opts.metadata ? { metadata: opts.metadata } : {}),
      },
    });
    const failures = await this.ingester.flushSession(this.id);
    await done.catch(ignore);
    if (failures.length) throw new SwitchboardIngestError(failures);
  }
}

/** The `session` item for `start()`; split out so the id and start time are fixed once. */
export function sessionItem(input: StartSessionInput): IngestItem & { type: 'session' } {
  const agent = typeof input.agent === 'string' ? { id: input.agent } : input.agent;
  return {
    type: 'session',
    body: {
      id: input.id ?? uuidv7(),
      agent,
      channel: input.channel,
      type: input.type,
      startedAt: timeOf(input.startedAt),
      ...(input.metadata ? { metadata: input.metadata } : {}),
      ...(input.tags ? { tags: input.tags } : {}),
    },
  };
}
