/**
 * Alerts (docs/ALERTS.md): rules over the sessions' figures, evaluated every
 * SWITCHBOARD_ALERT_INTERVAL seconds by one process at a time. Each change of a rule's state is
 * one transition row, one outbox event (`alert.fired` / `alert.resolved`, to the live stream and
 * webhooks) and, when the rule has a Slack URL, one queued `{"text": …}` message, all in one
 * transaction; the message is POSTed by the webhooks' HTTP code (same address rules) and retried
 * on the webhooks' schedule.
 *
 * What a round costs: per distinct (organization, filters) at most one count of the sessions
 * started in its largest window (a range of the `started_at` index, or of the filter's enum index
 * from the window's start), one range of the `sessions_ended` index over that window, one scan of
 * that window for the figures, and one count of active sessions (the counters when the filters
 * allow): each read is grouped by window, so every smaller window of the same filters comes out
 * of it too. Filters beyond the session row's own columns (search, metadata, tags…) read once per
 * window instead. Nothing reads more than the sessions of the largest window, however many
 * sessions are stored.
 */
import {
  type Alert,
  type AlertEventData,
  type AlertHistory,
  type AlertHistoryQuery,
  type AlertList,
  type AlertMetric,
  type AlertOp,
  type AlertPreview,
  type AlertPreviewBody,
  ALERT_LIMITS,
  type CreateAlertBody,
  type ProblemFieldError,
  RANGE_FIELDS,
  type Status,
  type UpdateAlertBody,
} from '@switchboard/contracts';
import type { FastifyBaseLogger } from 'fastify';
import type { Filled } from '../lib/ajv.js';
import { ApiError, badRequest, notFound } from '../lib/errors.js';
import { uuidv7 } from '../lib/ids.js';
import { openSecretIfPossible, sealSecret } from '../lib/secret-box.js';
import { HOUR_MS, iso } from '../lib/time.js';
import {
  alertHistory,
  alertRowToApi,
  claimSlackMessages,
  countAlerts,
  deleteAlert,
  enabledAlerts,
  endedIn,
  endedInWindows,
  figuresInWindows,
  findAlert,
  finishSlackMessage,
  insertAlert,
  insertTransition,
  listAlerts,
  moveAlert,
  nextSlackDueAt,
  noteAlertValue,
  queueSlackMessage,
  startedInWindows,
  updateAlert,
} from '../store/alerts.js';
import type { Store } from '../store/db.js';
import { noneBut, type SessionFilter } from '../store/filters.js';
import { ALERT_LOCK, withTryLock } from '../store/locks.js';
import { writeOutbox } from '../store/outbox.js';
import type { AlertRuleRow, AlertRulesTable } from '../store/schema.js';
import { countSessions } from '../store/sessions/counts.js';
import { type Figures, sessionFigures } from '../store/sessions/figures.js';
import { figuresToApi } from '../store/sessions/rows.js';
import { filterErrors, parseFilters } from './filters.js';
import { postWebhook } from './webhooks/http.js';
import { urlProblem } from './webhooks/ssrf.js';
import { retryAfterMs } from './webhooks/worker.js';

/** The filter parameters a rule may not take: its window is the range, and a transcript search is a scan. */
const NOT_IN_RULES: Record<string, string> = {
  from: 'the window is the rule’s range; leave out from',
  to: 'the window is the rule’s range; leave out to',
  transcript: 'a transcript search reads every message; alerts cannot use it',
  sort: 'not a filter',
  limit: 'not a filter',
  offset: 'not a filter',
  cursor: 'not a filter',
};
const FILTER_KEYS = new Set(['search', 'agentId', 'channel', 'status', 'type', 'source']);
const RANGE_PARAM = new RegExp(`^(${RANGE_FIELDS.join('|')})\\[[a-z]+\\]$`);

/** A rule's filters (a query string) as a SessionFilter; every problem named under `/filters`. */
export function parseRuleFilters(text: string): { filter: SessionFilter; errors: ProblemFieldError[] } {
  const errors: ProblemFieldError[] = [];
  const q: Record<string, string> = {};
  const params = new URLSearchParams(text.startsWith('?') ? text.slice(1) : text);
  for (const [key, value] of params) {
    const bad = (message: string) => errors.push({ path: '/filters', message: `${key}: ${message}` });
    if (key in NOT_IN_RULES) bad(NOT_IN_RULES[key]);
    else if (!FILTER_KEYS.has(key) && !key.startsWith('metadata.') && !RANGE_PARAM.test(key))
      bad(
        'unknown filter; use the sessions list’s filters (search, agentId, channel, status, type, source, metadata.<key>, <figure>[gt|gte|lt|lte])',
      );
    else if (key in q) bad('given twice; give each filter once (lists are comma-separated)');
    else q[key] = value;
  }
  for (const e of filterErrors(q)) errors.push({ path: '/filters', message: `${e.path}: ${e.message}` });
  return { filter: errors.length ? {} : parseFilters(q), errors };
}

export function breaches(value: number | null, op: AlertOp, threshold: number): boolean {
  if (value === null) return false;
  switch (op) {
    case 'gt':
      return value > threshold;
    case 'gte':
      return value >= threshold;
    case 'lt':
      return value < threshold;
    case 'lte':
      return value <= threshold;
  }
}

const OP_TEXT: Record<AlertOp, string> = { gt: '>', gte: '≥', lt: '<', lte: '≤' };

function windowText(seconds: number) {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export function valueText(metric: AlertMetric, value: number | null): string {
  if (value === null) return 'no data';
  if (metric.endsWith('Rate')) return `${Math.round(value * 1000) / 10} %`;
  if (metric === 'firstResponseP95Ms') return `${Math.round(value)} ms`;
  return String(value);
}

/** The Slack `text` of a transition. */
export function slackText(rule: Alert, fired: boolean, value: number | null): string {
  const condition = `${rule.metric} ${OP_TEXT[rule.op]} ${valueText(rule.metric, rule.threshold)} over ${windowText(rule.windowSeconds)}`;
  const scope = rule.filters ? ` (${rule.filters})` : '';
  return fired
    ? `:rotating_light: Alert "${rule.name}" is firing: ${rule.metric} is ${valueText(rule.metric, value)} (${condition})${scope}`
    : `:white_check_mark: Alert "${rule.name}" resolved: ${rule.metric} is ${valueText(rule.metric, value)} (${condition})${scope}`;
}

/**
 * Reads of one round, shared by rules with the same organization and filters: `windows` holds,
 * per organization and filters, every window the round's rules need, so that one read of the
 * largest window answers them all.
 */
interface Round {
  cache: Map<string, Promise<unknown>>;
  windows: Map<string, number[]>;
}

const groupKey = (orgId: string, filtersText: string) => `${orgId}\u0000${filtersText}`;

/**
 * Filters a round reads in one range for all windows: those on the session row's own columns.
 * Others (search, metadata, tags, figure ranges…) keep their own plans, one read per window.
 */
const sharesWindows = (f: SessionFilter) => noneBut(f, 'agentIds', 'channels', 'statuses', 'types', 'sources');

export interface AlertServiceOptions {
  /** SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: Slack URLs may resolve to internal addresses. */
  allowPrivate?: boolean;
}

export class AlertService {
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly store: Store,
    /** Where the figures are read (the read replica when there is one). */
    private readonly readStore: Store,
    private readonly opts: AlertServiceOptions = {},
  ) {}

  /** Calls `listener` when a Slack message is queued outside an evaluation (a rule disabled while firing). */
  onQueued(listener: () => void) {
    this.listeners.push(listener);
  }

  async list(orgId: string): Promise<AlertList> {
    return { data: (await listAlerts(this.store.db, orgId)).map(alertRowToApi) };
  }

  async get(orgId: string, id: string): Promise<Alert> {
    return alertRowToApi(await this.own(orgId, id));
  }

  async create(orgId: string, body: CreateAlertBody, now = Date.now()): Promise<Alert> {
    const b = body as Filled<CreateAlertBody, 'filters' | 'cooldownSeconds' | 'enabled'>;
    await this.check(b);
    if ((await countAlerts(this.store.db, orgId)) >= ALERT_LIMITS.rulesPerOrg)
      throw new ApiError(
        409,
        'too-many-alerts',
        `An organization has at most ${ALERT_LIMITS.rulesPerOrg} alert rules; delete one first.`,
      );
    const row: AlertRulesTable = {
      id: uuidv7(now),
      org_id: orgId,
      name: b.name.trim(),
      filters: b.filters,
      metric: b.metric,
      op: b.op,
      threshold: b.threshold,
      window_seconds: b.windowSeconds,
      cooldown_seconds: b.cooldownSeconds,
      slack_url: b.slackUrl ? sealSecret(b.slackUrl) : null,
      enabled: b.enabled ? 1 : 0,
      state: 'ok',
      state_since: now,
      last_value: null,
      evaluated_at: null,
      last_fired_at: null,
      created_at: now,
      updated_at: now,
    };
    await insertAlert(this.store.db, row);
    return alertRowToApi(row as AlertRuleRow);
  }

  async update(orgId: string, id: string, body: UpdateAlertBody, now = Date.now()): Promise<Alert> {
    await this.check(body);
    const patch: Partial<AlertRulesTable> = { updated_at: now };
    if (body.name !== undefined) patch.name = body.name.trim();
    if (body.filters !== undefined) patch.filters = body.filters;
    if (body.metric !== undefined) patch.metric = body.metric;
    if (body.op !== undefined) patch.op = body.op;
    if (body.threshold !== undefined) patch.threshold = body.threshold;
    if (body.windowSeconds !== undefined) patch.window_seconds = body.windowSeconds;
    if (body.cooldownSeconds !== undefined) patch.cooldown_seconds = body.cooldownSeconds;
    if (body.slackUrl !== undefined) patch.slack_url = body.slackUrl ? sealSecret(body.slackUrl) : null;
    if (body.enabled !== undefined) patch.enabled = body.enabled ? 1 : 0;
    let queued = false;
    const { db, dialect } = this.store;
    await db.transaction().execute(async (trx) => {
      const before = await findAlert(trx, orgId, id);
      if (!before) throw notFound('Alert');
      // A firing rule that is switched off resolves now: nothing stays "firing" that no one evaluates.
      if (body.enabled === false && before.state === 'firing') {
        Object.assign(patch, { state: 'ok', state_since: now });
        const rule = alertRowToApi({ ...before, ...patch } as AlertRuleRow);
        queued = await this.writeTransition(trx, dialect, before, rule, false, null, now);
      }
      await updateAlert(trx, orgId, id, patch);
    });
    if (patch.state) this.store.outbox.emit('committed');
    if (queued) for (const l of this.listeners) l();
    return this.get(orgId, id);
  }

  async remove(orgId: string, id: string): Promise<void> {
    const deleted = await this.store.db.transaction().execute((trx) => deleteAlert(trx, orgId, id));
    if (!deleted) throw notFound('Alert');
  }

  async history(orgId: string, id: string, q: AlertHistoryQuery): Promise<AlertHistory> {
    await this.own(orgId, id);
    const { limit } = q as Filled<AlertHistoryQuery, 'limit'>;
    return { data: await alertHistory(this.store.db, orgId, id, limit) };
  }

  /** The metric now and at each of the last 24 hours, each over the window ending then. */
  async preview(orgId: string, body: AlertPreviewBody, now = Date.now()): Promise<AlertPreview> {
    const { filters } = body as Filled<AlertPreviewBody, 'filters'>;
    const { filter, errors } = parseRuleFilters(filters);
    if (errors.length) throw badRequest(errors);
    const at = Array.from({ length: 24 }, (_, i) => Math.floor(now / HOUR_MS) * HOUR_MS - (23 - i) * HOUR_MS);
    const [value, ...points] = await Promise.all([
      this.measure(orgId, filter, filters, body.metric, body.windowSeconds, now),
      // "active" is the count now; earlier counts are not kept.
      ...at.map((t) =>
        body.metric === 'active' ? null : this.measure(orgId, filter, filters, body.metric, body.windowSeconds, t),
      ),
    ]);
    return {
      value,
      points: [...at.map((t, i) => ({ at: iso(t), value: points[i] })), { at: iso(now), value }],
      generatedAt: iso(now),
    };
  }

  /**
   * The value of `metric` over the window ending at `now`; null for a rate with nothing to divide.
   * Within a round, the reads of every window of the rule's organization and filters are one.
   */
  async measure(
    orgId: string,
    filter: SessionFilter,
    filtersText: string,
    metric: AlertMetric,
    windowSeconds: number,
    now: number,
    round?: Round,
  ): Promise<number | null> {
    const { db, dialect } = this.readStore;
    const from = now - windowSeconds * 1000;
    // Sessions stamped at this very millisecond count as in the window.
    const to = now + 1;
    const cache = round?.cache ?? new Map<string, Promise<unknown>>();
    const windows = (sharesWindows(filter) && round?.windows.get(groupKey(orgId, filtersText))) || undefined;
    const once = <T>(kind: string, read: () => Promise<T>): Promise<T> => {
      const span = kind === 'active' ? '' : windows ? windows.join(',') : windowSeconds;
      const key = `${groupKey(orgId, filtersText)}\u0000${span}\u0000${kind}\u0000${now}`;
      let p = cache.get(key) as Promise<T> | undefined;
      if (!p) {
        p = read();
        cache.set(key, p);
      }
      return p;
    };
    switch (metric) {
      case 'sessions':
        if (windows)
          return (await once('started', () => startedInWindows(db, dialect, orgId, filter, windows, now))).get(
            windowSeconds,
          ) as number;
        return once('started', () => countSessions(db, dialect, orgId, { ...filter, from, to }));
      case 'failed':
      case 'failureRate': {
        const e = windows
          ? ((await once('ended', () => endedInWindows(db, dialect, orgId, filter, windows, now))).get(
              windowSeconds,
            ) as {
              ended: number;
              failed: number;
            })
          : await once('ended', () => endedIn(db, dialect, orgId, filter, from, to));
        if (metric === 'failed') return e.failed;
        return e.ended > 0 ? e.failed / e.ended : null;
      }
      case 'active': {
        const statuses: Status[] = filter.statuses ? filter.statuses.filter((s) => s === 'active') : ['active'];
        if (statuses.length === 0) return 0;
        return once('active', () => countSessions(db, dialect, orgId, { ...filter, statuses }));
      }
      case 'firstResponseP95Ms':
      case 'handoffRate':
      case 'errorRate': {
        const figures = windows
          ? ((await once('figures', () => figuresInWindows(db, dialect, orgId, filter, windows, now))).get(
              windowSeconds,
            ) as Figures)
          : await once('figures', () => sessionFigures(db, dialect, orgId, { ...filter, from, to }));
        const f = figuresToApi(figures);
        if (metric === 'firstResponseP95Ms') return f.firstResponseMs.p95;
        return metric === 'handoffRate' ? f.handoffRate : f.errorRate;
      }
    }
  }

  /**
   * One round over every enabled rule (of every organization) at `now`; returns the transitions
   * written. On PostgreSQL one process evaluates at a time and the others skip the round.
   */
  async evaluate(now = Date.now(), log?: Pick<FastifyBaseLogger, 'error'>): Promise<number> {
    return (await withTryLock(this.store, ALERT_LOCK, () => this.evaluateNow(now, log))) ?? 0;
  }

  private async evaluateNow(now: number, log?: Pick<FastifyBaseLogger, 'error'>): Promise<number> {
    const rules = await enabledAlerts(this.store.db);
    const round: Round = { cache: new Map(), windows: new Map() };
    for (const r of rules) {
      const key = groupKey(r.org_id, r.filters);
      round.windows.set(
        key,
        [...new Set([...(round.windows.get(key) ?? []), Number(r.window_seconds)])].sort((a, b) => a - b),
      );
    }
    const values = await Promise.all(
      rules.map(async (r) => {
        try {
          const { filter, errors } = parseRuleFilters(r.filters);
          if (errors.length) return undefined;
          return await this.measure(r.org_id, filter, r.filters, r.metric, Number(r.window_seconds), now, round);
        } catch (err) {
          log?.error({ err, alert: r.id }, 'alert rule could not be evaluated');
          return undefined;
        }
      }),
    );
    let transitions = 0;
    let queued = false;
    // The values of rules that stay as they are, written together in one transaction at the end.
    const unchanged: Array<{ id: string; value: number | null }> = [];
    for (const [i, r] of rules.entries()) {
      const value = values[i];
      if (value === undefined) continue;
      const threshold = Number(r.threshold);
      const breached = breaches(value, r.op, threshold);
      const firing = r.state === 'firing';
      const cooldown = Number(r.cooldown_seconds) * 1000;
      const remind = firing && breached && cooldown > 0 && now - Number(r.last_fired_at ?? r.state_since) >= cooldown;
      if (breached === firing && !remind) {
        unchanged.push({ id: r.id, value });
        continue;
      }
      const { db, dialect } = this.store;
      const moved = await db.transaction().execute(async (trx) => {
        const patch = {
          state: breached ? ('firing' as const) : ('ok' as const),
          state_since: remind ? Number(r.state_since) : now,
          last_value: value,
          evaluated_at: now,
          last_fired_at: breached ? now : r.last_fired_at,
        };
        if (!(await moveAlert(trx, r, patch))) return false;
        const rule = alertRowToApi({ ...r, ...patch });
        if (await this.writeTransition(trx, dialect, r, rule, breached, value, now)) queued = true;
        return true;
      });
      if (moved) transitions++;
    }
    if (unchanged.length)
      await this.store.db.transaction().execute(async (trx) => {
        for (const u of unchanged) await noteAlertValue(trx, u.id, u.value, now);
      });
    if (transitions) this.store.outbox.emit('committed');
    if (queued) for (const l of this.listeners) l();
    return transitions;
  }

  /** The transition row, the outbox event and the Slack message of one change; true when a message was queued. */
  private async writeTransition(
    trx: Store['db'],
    dialect: Store['dialect'],
    before: AlertRuleRow,
    rule: Alert,
    fired: boolean,
    value: number | null,
    now: number,
  ): Promise<boolean> {
    await insertTransition(trx, {
      alertId: rule.id,
      orgId: before.org_id,
      state: fired ? 'firing' : 'ok',
      value,
      threshold: rule.threshold,
      op: rule.op,
      windowSeconds: rule.windowSeconds,
      at: now,
    });
    const data: AlertEventData = { rule, value, threshold: rule.threshold, window: rule.windowSeconds };
    const slack = before.slack_url !== null;
    if (slack)
      await queueSlackMessage(trx, {
        alertId: rule.id,
        orgId: before.org_id,
        body: JSON.stringify({ text: slackText(rule, fired, value) }),
        at: now,
      });
    // Last: the outbox write takes the outbox's lock until commit.
    await writeOutbox(trx, dialect, before.org_id, [
      { type: fired ? 'alert.fired' : 'alert.resolved', sessionId: rule.id, occurredAt: now, data },
    ]);
    return slack;
  }

  private async own(orgId: string, id: string): Promise<AlertRuleRow> {
    const row = await findAlert(this.store.db, orgId, id);
    if (!row) throw notFound('Alert');
    return row;
  }

  /** Every problem with a rule's filters and Slack URL, as one 400. */
  private async check(body: { filters?: string; slackUrl?: string | null; threshold?: number }) {
    const errors: ProblemFieldError[] = [];
    if (body.filters !== undefined) errors.push(...parseRuleFilters(body.filters).errors);
    if (body.slackUrl) {
      const problem = await urlProblem(body.slackUrl, this.opts.allowPrivate ?? false);
      if (problem) errors.push({ path: '/slackUrl', message: problem });
    }
    if (body.threshold !== undefined && !Number.isFinite(body.threshold))
      errors.push({ path: '/threshold', message: 'must be a finite number' });
    if (errors.length) throw badRequest(errors);
  }
}

export interface AlertJobOptions {
  /** SWITCHBOARD_ALERT_INTERVAL: seconds between rounds. */
  intervalSeconds: number;
  /** The webhooks' retry schedule (seconds before each retry), timeout and address rule, for Slack. */
  retrySchedule: number[];
  timeoutSeconds: number;
  allowPrivate: boolean;
}

/** How many times its own duration the job rests after a round: evaluation takes at most 1 / (1 + 9) of the time. */
export const ROUND_REST = 9;

/**
 * The longest rest, however long the round: a firing state is still noticed within five minutes
 * of the last round's end. Past it (rounds over 33 s) evaluation takes more than a tenth of the
 * process, and the job says so in the log.
 */
export const MAX_REST_MS = 5 * 60_000;

/** The job's time: a monotonic clock and a timer (a test gives its own to see the schedule). */
export interface JobClock {
  /** Milliseconds on a monotonic clock: a wall clock set back must not hold the rounds off. */
  now(): number;
  /** Calls `fn` in `ms` (the timer never keeps the process alive); returns what cancels it. */
  after(ms: number, fn: () => void): () => void;
}

const systemClock: JobClock = {
  now: () => performance.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * When the round after one that started at `startedAt` and ended at `endedAt` starts: an interval
 * after the last start, or, when rounds take long, ROUND_REST times the last round's duration
 * after its end (at most MAX_REST_MS).
 */
export function nextRoundAt(startedAt: number, endedAt: number, intervalMs: number): number {
  const rest = Math.min(ROUND_REST * (endedAt - startedAt), MAX_REST_MS);
  return Math.max(startedAt + intervalMs, endedAt + rest);
}

/**
 * The job: a round every interval (or, when rounds take long, after nine times the last round's
 * duration: nextRoundAt), then the due Slack messages. Messages are leased before they
 * are sent, so any process may send them and none is sent twice (a process that dies mid-send
 * leaves a lease that runs out, and the message goes again).
 */
export class AlertJob {
  private readonly intervalMs: number;
  private readonly clock: JobClock;
  private cancelNext: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private sending: Promise<void> | undefined;
  private sendAgain = false;
  private dueTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly alerts: AlertService,
    private readonly opts: AlertJobOptions,
    private readonly log: FastifyBaseLogger,
    clock: JobClock = systemClock,
  ) {
    this.intervalMs = Math.max(100, opts.intervalSeconds * 1000);
    this.clock = clock;
    alerts.onQueued(() => this.send());
  }

  /**
   * The first round runs at once: a rest belongs to the load of the round before it, which a
   * restart (or a new process) does not carry, so nothing of it is kept.
   */
  start() {
    this.stopped = false;
    this.schedule(0);
  }

  async stop() {
    this.stopped = true;
    this.cancelNext?.();
    this.cancelNext = undefined;
    clearTimeout(this.dueTimer);
    await this.running;
    await this.sending;
  }

  private schedule(ms: number) {
    this.cancelNext?.();
    this.cancelNext = this.clock.after(Math.max(0, ms), () => {
      this.cancelNext = undefined;
      // A start() during a round: the round schedules the next when it ends.
      if (this.running || this.stopped) return;
      this.running = this.round().then((next) => {
        this.running = undefined;
        if (!this.stopped) this.schedule(next - this.clock.now());
      });
    });
  }

  /** One round, then the due Slack messages; returns when the next round is due (on the clock). */
  private async round(): Promise<number> {
    // A round runs on the process's one thread (on SQLite its reads block it outright): after a
    // round of t ms the next waits at least ROUND_REST × t, so evaluation never takes more than a
    // tenth of the process, whatever the interval and the data. Measured: rounds every second
    // took 30 % off ingest at 100,000 sessions (docs/PERFORMANCE.md).
    const started = this.clock.now();
    try {
      await this.alerts.evaluate(Date.now(), this.log);
    } catch (err) {
      this.log.error({ err }, 'alert evaluation failed');
    }
    const ended = this.clock.now();
    this.send();
    const took = ended - started;
    if (ROUND_REST * took > MAX_REST_MS)
      this.log.warn(
        { tookMs: Math.round(took), restMs: MAX_REST_MS },
        'alert round took over 33 s: resting 5 minutes, so evaluation takes more than a tenth of the process; fewer or cheaper rules would help',
      );
    return nextRoundAt(started, ended, this.intervalMs);
  }

  /** Sends the due Slack messages (one run at a time; a call during a run asks for another). */
  send() {
    if (this.stopped) return;
    if (this.sending) {
      this.sendAgain = true;
      return;
    }
    this.sending = (async () => {
      try {
        do {
          this.sendAgain = false;
          await this.sendDue();
        } while (this.sendAgain && !this.stopped);
      } catch (err) {
        this.log.error({ err }, 'alert Slack messages could not be sent; retrying on the next round');
      } finally {
        this.sending = undefined;
      }
    })();
  }

  private async sendDue() {
    const { db, dialect } = this.store;
    for (;;) {
      const now = Date.now();
      const claimed = await claimSlackMessages(db, dialect, now, now + this.opts.timeoutSeconds * 1000 + 30_000, 8);
      if (claimed.length === 0) break;
      await Promise.all(claimed.map((m) => this.attempt(m)));
    }
    // A retry due before the next round can be sure to come (an interval, or a rest, away) gets a
    // timer of its own.
    const at = await nextSlackDueAt(db);
    clearTimeout(this.dueTimer);
    if (at !== null && !this.stopped && at - Date.now() < this.intervalMs + MAX_REST_MS) {
      this.dueTimer = setTimeout(() => this.send(), Math.max(0, at - Date.now()) + 5);
      this.dueTimer.unref();
    }
  }

  private async attempt(m: { pk: number; attempts: number; body: string; slack_url: string | null }) {
    const attempt = m.attempts + 1;
    const url = m.slack_url === null ? null : openSecretIfPossible(m.slack_url);
    const r = url
      ? await postWebhook({
          url,
          body: m.body,
          timeoutMs: this.opts.timeoutSeconds * 1000,
          allowPrivate: this.opts.allowPrivate,
          headers: { 'content-type': 'application/json', 'user-agent': 'Switchboard-Alerts/1.0' },
        })
      : { status: null, error: 'the rule has no Slack URL (removed, or sealed with another key)', retryAfter: null };
    const ok = r.status !== null && r.status >= 200 && r.status < 300;
    const now = Date.now();
    let next: number | null = null;
    if (!ok && url && attempt <= this.opts.retrySchedule.length) {
      let delay = this.opts.retrySchedule[attempt - 1] * 1000 * (0.9 + Math.random() * 0.2);
      if (r.status === 429 || r.status === 503) delay = retryAfterMs(r.retryAfter, now) ?? delay;
      next = now + Math.round(delay);
    }
    await finishSlackMessage(this.store.db, m.pk, {
      status: ok ? 'succeeded' : next !== null ? 'pending' : 'failed',
      attempts: attempt,
      next_attempt_at: next,
      last_error: ok ? null : (r.error ?? `HTTP ${r.status}`),
    });
    if (!ok) this.log.warn?.({ error: r.error ?? r.status, attempt }, 'alert Slack message failed');
  }
}
