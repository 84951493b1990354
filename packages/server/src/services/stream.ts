/**
 * The live stream (`GET /stream`): Server-Sent Events fed from the outbox.
 *
 * One hub per process reads each new outbox row once, turns it into an SSE frame once, and
 * writes that same string to every subscriber it matches, so fan-out costs one serialization
 * per event however many dashboards are open. A reconnecting client with Last-Event-ID first
 * replays from the outbox, then joins the live fan-out without a gap or a duplicate (see
 * `catchUp`). A client that does not read is dropped once its socket buffer passes a bound, so
 * server memory stays bounded whatever clients do.
 *
 * Two numbers per outbox row: the hub reads every organization's rows in `seq` order (one shared
 * sequence, commit order), but a client only ever sees `org_seq`, its organization's own sequence,
 * as the event id — in `id:` lines, in the envelope and in Last-Event-ID. The shared one would
 * tell every organization how much the others write.
 */
import type { ServerResponse } from 'node:http';
import type { Session } from '@switchboard/contracts';
import type { FastifyBaseLogger } from 'fastify';
import { iso } from '../lib/time.js';
import type { Store } from '../store/db.js';
import type { SessionFilter } from '../store/filters.js';
import { lastOrgSeq, lastOutboxSeq, orgSeqAt, readOutbox, readOutboxAfter } from '../store/outbox.js';
import type { OutboxTable } from '../store/schema.js';
import { sessionRowToApi } from '../store/sessions/rows.js';
import { findSession } from '../store/sessions/write.js';
import { isEmptyFilter, sessionMatches } from './session-match.js';

type OutboxRow = Omit<OutboxTable, 'seq'> & { seq: number };

export interface StreamOptions {
  heartbeatMs?: number;
  /**
   * Fallback poll, for writes this process did not hear of: other processes on SQLite (the CLI),
   * or while PostgreSQL's LISTEN connection is being re-established.
   */
  pollMs?: number;
  /** A client whose unsent bytes pass this is dropped. */
  maxBufferBytes?: number;
  /** How long a replaying client may leave the socket full before it is dropped. */
  drainTimeoutMs?: number;
}

interface Subscriber {
  orgId: string;
  filter: SessionFilter;
  matchAll: boolean;
  res: ServerResponse;
  /** The last outbox `seq` (shared sequence) this subscriber has been given or has skipped. */
  cursor: number;
  /** While replaying: the last event id (its organization's `org_seq`) it has been given or has skipped. */
  after: number;
  live: boolean;
  closed: boolean;
}

const PAGE = 500;
const SESSION_CACHE_MAX = 20_000;

/** `id:`, `event:` and `data:` lines; the payload is already JSON, so it is spliced, not re-encoded. */
function sseFrame(row: OutboxRow): string {
  const id = String(row.org_seq);
  return `id: ${id}\nevent: ${row.type}\ndata: {"id":"${id}","type":"${row.type}","occurredAt":"${iso(row.occurred_at)}","data":${row.payload}}\n\n`;
}

export class StreamHub {
  private readonly subs = new Set<Subscriber>();
  private lastSeq = 0;
  private reading: Promise<void> | undefined;
  private again = false;
  private timers: NodeJS.Timeout[] = [];
  /** Latest known state of sessions, for filtering message and event rows by their session. */
  private readonly sessions = new Map<string, Session>();
  private readonly opts: Required<StreamOptions>;
  private started = false;

  constructor(
    private readonly store: Store,
    private readonly log: FastifyBaseLogger,
    opts: StreamOptions = {},
  ) {
    this.opts = {
      heartbeatMs: opts.heartbeatMs ?? 15_000,
      pollMs: opts.pollMs ?? 1000,
      maxBufferBytes: opts.maxBufferBytes ?? 1 << 20,
      drainTimeoutMs: opts.drainTimeoutMs ?? 30_000,
    };
  }

  get size() {
    return this.subs.size;
  }

  async start() {
    if (this.started) return;
    this.started = true;
    this.lastSeq = await lastOutboxSeq(this.store.db);
    this.store.outbox.on('committed', this.wake);
    // Commits of every other process against the same PostgreSQL wake the hub at once.
    await this.store.listen();
    const poll = setInterval(this.wake, this.opts.pollMs);
    const beat = setInterval(() => {
      for (const s of this.subs) this.write(s, ': heartbeat\n\n');
    }, this.opts.heartbeatMs);
    poll.unref();
    beat.unref();
    this.timers = [poll, beat];
  }

  /** Ends every stream with a `retry:` hint, so clients come back once the server is back. */
  async stop() {
    this.store.outbox.off('committed', this.wake);
    for (const t of this.timers) clearInterval(t);
    await this.reading;
    for (const s of [...this.subs]) {
      s.res.end('retry: 2000\n: server shutting down\n\n');
      this.remove(s);
    }
  }

  /**
   * Adds a client. With `lastEventId` it first gets every event of its organization after that
   * id (filtered), then the live fan-out; without one (or with one its organization has not
   * reached: from another server, or an id made up), only what happens from now on.
   */
  async subscribe(orgId: string, filter: SessionFilter, res: ServerResponse, lastEventId?: number) {
    // Where the fan-out stands now: rows up to here are the past, rows after it are news.
    const horizon = this.lastSeq;
    const sub: Subscriber = {
      orgId,
      filter,
      matchAll: isEmptyFilter(filter),
      res,
      cursor: 0,
      after: lastEventId ?? 0,
      live: false,
      closed: false,
    };
    this.subs.add(sub);
    res.on('close', () => this.remove(sub));
    const resumes = lastEventId !== undefined && lastEventId <= (await lastOrgSeq(this.store.db, orgId));
    if (!resumes) {
      sub.cursor = horizon;
      sub.after = await orgSeqAt(this.store.db, orgId, horizon);
    }
    // The `id:` tells the client where it joined, in its organization's ids, so a reconnect
    // before its first event still sends a Last-Event-ID and misses nothing (an id-only block
    // sets it without an event). It is never the shared sequence's position.
    res.write(`retry: 3000\n: connected\nid: ${sub.after}\n\n`);
    await this.catchUp(sub);
  }

  private remove(sub: Subscriber) {
    sub.closed = true;
    this.subs.delete(sub);
    // The cache is only kept current while someone reads the fan-out.
    if (this.subs.size === 0) this.sessions.clear();
  }

  private wake = () => {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = this.drain()
      .catch((err) => this.log.error({ err }, 'live stream: reading the outbox failed'))
      .finally(() => {
        this.reading = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  };

  private async drain() {
    const live = [...this.subs].some((s) => s.live);
    if (!live) {
      // Nobody to tell: just move the horizon (one index lookup) instead of reading rows.
      this.lastSeq = Math.max(this.lastSeq, await lastOutboxSeq(this.store.db));
      return;
    }
    for (;;) {
      const rows = (await readOutboxAfter(this.store.db, this.lastSeq, PAGE)) as OutboxRow[];
      if (rows.length === 0) return;
      // The horizon moves before the fan-out: a replaying client cannot join the fan-out until
      // it has read up to here itself, so no row of this batch can fall between the two.
      this.lastSeq = rows[rows.length - 1].seq;
      await this.broadcast(rows);
      if (rows.length < PAGE) return;
    }
  }

  private async broadcast(rows: OutboxRow[]) {
    for (const row of rows) {
      const seq = row.seq;
      let frame: string | undefined;
      let session: Session | null | undefined;
      // Subscribers are looked at per row: one that joined the fan-out during an await below
      // has a cursor past this whole batch and skips it.
      for (const s of this.subs) {
        if (!s.live || s.closed || s.orgId !== row.org_id || seq <= s.cursor) continue;
        s.cursor = seq;
        if (!s.matchAll) {
          // An alert is about the organization, not a session: only unfiltered streams carry it.
          if (row.type.startsWith('alert.')) continue;
          session ??= await this.sessionOf(row);
          if (!session || !sessionMatches(s.filter, session)) continue;
        }
        frame ??= sseFrame(row);
        this.write(s, frame);
      }
      // Keep the cache current even when no filtered subscriber needed this row.
      if (row.type.startsWith('session.') && session === undefined && this.sessions.size > 0) this.remember(row);
    }
  }

  /**
   * Replays from the outbox until this subscriber has caught up with the hub's horizon, then
   * marks it live in the same tick: every row at or below the horizon was committed before the
   * read that saw it, so nothing falls between replay and fan-out, and `cursor` keeps the fan-out
   * from sending a replayed row again. Replay reads by the organization's ids (`after`), which
   * follow the shared sequence's order within an organization, and moves `cursor` along.
   */
  private async catchUp(sub: Subscriber) {
    while (!sub.closed) {
      const horizon = this.lastSeq;
      const rows = (await readOutbox(this.store.db, sub.orgId, sub.after, PAGE)) as OutboxRow[];
      for (const row of rows) {
        if (sub.closed) return;
        sub.after = row.org_seq;
        const seq = row.seq;
        if (seq <= sub.cursor) continue;
        sub.cursor = seq;
        if (!sub.matchAll) {
          if (row.type.startsWith('alert.')) continue;
          const session = await this.sessionOf(row);
          if (!session || !sessionMatches(sub.filter, session)) continue;
        }
        if (!sub.res.write(sseFrame(row)) && !(await this.drained(sub))) return;
      }
      if (rows.length < PAGE) {
        sub.cursor = Math.max(sub.cursor, horizon);
        if (sub.cursor >= this.lastSeq) {
          sub.live = true;
          return;
        }
      }
    }
  }

  private drained(sub: Subscriber): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        sub.res.off('drain', onDrain);
        sub.res.off('close', onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      const timer = setTimeout(() => {
        this.drop(sub, 'did not read during replay');
        done(false);
      }, this.opts.drainTimeoutMs);
      sub.res.on('drain', onDrain);
      sub.res.on('close', onClose);
    });
  }

  private write(sub: Subscriber, chunk: string) {
    if (sub.closed) return;
    if (sub.res.writableLength > this.opts.maxBufferBytes) {
      this.drop(sub, 'too slow to keep up');
      return;
    }
    sub.res.write(chunk);
  }

  private drop(sub: Subscriber, why: string) {
    this.log.info({ org: sub.orgId, why }, 'live stream: dropping a client');
    this.remove(sub);
    sub.res.destroy();
  }

  private remember(row: OutboxRow): Session {
    const session = JSON.parse(row.payload) as Session;
    const key = `${row.org_id}\u0000${session.id}`;
    this.sessions.delete(key);
    this.sessions.set(key, session);
    if (this.sessions.size > SESSION_CACHE_MAX) this.sessions.delete(this.sessions.keys().next().value as string);
    return session;
  }

  /** The session an outbox row is about, as of that row (session rows carry it; others look it up). */
  private async sessionOf(row: OutboxRow): Promise<Session | null> {
    if (row.type.startsWith('session.')) return this.remember(row);
    const key = `${row.org_id}\u0000${row.session_id}`;
    const cached = this.sessions.get(key);
    if (cached) return cached;
    const found = await findSession(this.store.db, row.org_id, row.session_id);
    if (!found) return null;
    const session = sessionRowToApi(found);
    this.sessions.set(key, session);
    return session;
  }
}
