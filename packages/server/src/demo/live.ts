/**
 * Live traffic for the demo: fake agents that talk to the server the way real ones do, through
 * IngestService — one call per message, event or status change, each in its own transaction
 * with its outbox rows — so the stream, webhooks, metrics and the idle sweeper all see ordinary
 * traffic. A new user opening the dashboard finds sessions starting, talking and ending.
 *
 * Everything runs off one unref'd timer: the simulator never keeps the process alive on its own,
 * and a failed call is logged and skipped, never thrown into the server.
 */
import type { CreateSessionBody, Metadata } from '@switchboard/contracts';
import { ApiError } from '../lib/errors.js';
import type { IngestService } from '../services/ingest.js';
import { AGENTS } from './catalog.js';
import { type DemoAgent, demoAgents, planSession, recordingUrl, type SessionPlan } from './conversation.js';
import { Rng } from './random.js';

export interface LiveLogger {
  info?(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/** A session already active in the database for the simulator to carry on and finish. */
export interface AdoptedSession {
  id: string;
  agentId: string;
  messageCount: number;
  eventCount: number;
}

export interface LiveTrafficOptions {
  /** How often the simulator wakes up (default 500 ms). */
  tickMs?: number;
  /** Mean seconds between new sessions (default 3). */
  newSessionEverySec?: number;
  /** At most this many simulated sessions at once (default 25). */
  maxActive?: number;
  /** Stretches or squeezes conversation time: 1 is real time, 0.01 runs a call in a second. */
  timeScale?: number;
  agents?: number;
  messagesPerSession?: number;
  /** Default: a different run each time. */
  seed?: string | number;
  adopt?: AdoptedSession[];
  log?: LiveLogger;
}

export interface LiveTraffic {
  stop(): Promise<void>;
  /** What the simulator has done so far (for logs and tests). */
  readonly stats: { started: number; updated: number; ended: number; messages: number; events: number; errors: number };
}

type Step =
  | { at: number; kind: 'message'; index: number }
  | { at: number; kind: 'event'; index: number }
  | { at: number; kind: 'update'; metadata: Metadata }
  | { at: number; kind: 'end' };

interface Running {
  id: string;
  plan: SessionPlan;
  startedAt: number;
  steps: Step[];
  next: number;
}

const SENTIMENTS = ['positive', 'neutral', 'neutral', 'negative'] as const;

export function startLiveTraffic(ingest: IngestService, orgId: string, opts: LiveTrafficOptions = {}): LiveTraffic {
  const tickMs = opts.tickMs ?? 500;
  const meanGapMs = (opts.newSessionEverySec ?? 3) * 1000;
  const maxActive = opts.maxActive ?? 25;
  const scale = opts.timeScale ?? 1;
  const rng = new Rng(opts.seed ?? `live:${Date.now()}`);
  const agents = demoAgents(opts.agents ?? AGENTS.length);
  const mps = opts.messagesPerSession ?? 6;
  const log: LiveLogger = opts.log ?? { error: (obj, msg) => console.error(msg ?? 'live traffic', obj) };
  const stats = { started: 0, updated: 0, ended: 0, messages: 0, events: 0, errors: 0 };
  const running = new Map<string, Running>();

  /** The plan as calls to make; an adopted session skips what the database already holds. */
  const stepsOf = (plan: SessionPlan, skipMessages: number, heldEvents: number): Step[] => {
    const steps: Step[] = [];
    plan.messages.forEach((m, index) => {
      if (index >= skipMessages) steps.push({ at: m.at, kind: 'message', index });
    });
    // The server writes status_changed itself; every other planned event is the agent's to send.
    plan.events.forEach((e, index) => {
      const held =
        (heldEvents > 0 && e.type === 'connection_established') || (heldEvents > 1 && e.type === 'agent_handoff');
      if (!held) steps.push({ at: e.at, kind: 'event', index });
    });
    // Once the conversation has found its feet the agent tags it, as real integrations do —
    // this is what produces session.updated.
    const second = plan.messages[Math.min(1, plan.messages.length - 1)];
    if (second && skipMessages < 2)
      steps.push({
        at: second.at + 50,
        kind: 'update',
        metadata: { sentiment: rng.pick(SENTIMENTS), intent: plan.topic },
      });
    steps.push({ at: plan.durationMs + 1, kind: 'end' });
    steps.sort((a, b) => a.at - b.at);
    return steps;
  };

  const begin = async (now: number) => {
    const agent = rng.weighted(
      agents,
      agents.map((a) => a.profile.weight),
    );
    const plan = planSession(rng, agent, { messagesPerSession: mps });
    const body: CreateSessionBody = {
      agent: { id: agent.id, name: agent.name },
      channel: plan.channel,
      type: plan.type,
      metadata: plan.createMetadata,
    };
    const { session } = await ingest.createSession(orgId, body);
    stats.started++;
    running.set(session.id, { id: session.id, plan, startedAt: now, steps: stepsOf(plan, 0, 0), next: 0 });
  };

  const adopt = (s: AdoptedSession, now: number) => {
    const agent: DemoAgent = agents.find((a) => a.id === s.agentId) ?? { ...agents[0], id: s.agentId };
    const plan = planSession(rng, agent, { messagesPerSession: Math.max(mps, s.messageCount + 2) });
    const steps = stepsOf(plan, s.messageCount, s.eventCount);
    // Pick the story up where the database left it, a moment from now.
    const delay = rng.int(1000, 15_000) * Math.min(1, scale);
    running.set(s.id, { id: s.id, plan, startedAt: now + delay - (steps[0]?.at ?? 0) * scale, steps, next: 0 });
  };

  const perform = async (r: Running, step: Step) => {
    const plan = r.plan;
    switch (step.kind) {
      case 'message': {
        const m = plan.messages[step.index];
        await ingest.appendMessages(orgId, r.id, [
          {
            sender: m.sender,
            content: m.content,
            metadata: m.metadata,
            ...(m.latencyMs === undefined ? {} : { latencyMs: m.latencyMs }),
            ...(m.interrupted ? { interrupted: true } : {}),
            ...(m.usage ? { usage: m.usage } : {}),
          },
        ]);
        stats.messages++;
        return;
      }
      case 'event': {
        const e = plan.events[step.index];
        await ingest.appendEvents(orgId, r.id, [{ type: e.type, data: e.data }]);
        stats.events++;
        return;
      }
      case 'update':
        await ingest.updateSession(orgId, r.id, { metadata: step.metadata });
        stats.updated++;
        return;
      case 'end': {
        const metadata = { ...plan.endMetadata };
        if (typeof metadata.recordingUrl === 'string')
          metadata.recordingUrl = recordingUrl(r.id, r.startedAt, metadata.recordingUrl);
        await ingest.updateSession(orgId, r.id, {
          status: plan.status,
          ...(plan.endedReason ? { endedReason: plan.endedReason } : {}),
          ...(Object.keys(metadata).length ? { metadata } : {}),
        });
        stats.ended++;
        running.delete(r.id);
      }
    }
  };

  let nextStart = Date.now() + rng.int(200, 1500);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;

  const tick = async () => {
    const now = Date.now();
    if (nextStart <= now) {
      if (running.size < maxActive) {
        try {
          await begin(now);
        } catch (err) {
          stats.errors++;
          log.error({ err }, 'demo live traffic: could not start a session');
        }
      }
      // Exponential gaps: arrivals come in clumps and lulls, like real callers.
      nextStart = now + Math.max(10, -Math.log(1 - rng.next()) * meanGapMs);
    }
    for (const r of [...running.values()]) {
      while (!stopped && r.next < r.steps.length && r.startedAt + r.steps[r.next].at * scale <= Date.now()) {
        const step = r.steps[r.next++];
        try {
          await perform(r, step);
        } catch (err) {
          stats.errors++;
          log.error({ err, sessionId: r.id, step: step.kind }, 'demo live traffic: call failed');
          // A session that is gone or already ended (deleted, swept as idle) is dropped.
          if (err instanceof ApiError && (err.status === 404 || err.status === 422)) running.delete(r.id);
          break;
        }
      }
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = tick().finally(() => {
        current = undefined;
        schedule();
      });
    }, tickMs);
    timer.unref();
  };

  const now = Date.now();
  for (const s of opts.adopt ?? []) adopt(s, now);
  schedule();

  return {
    stats,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
