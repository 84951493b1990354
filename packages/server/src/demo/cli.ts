/**
 * `switchboard demo`: a database worth looking at, then the server with live traffic on top.
 * Its flags are documented in the HELP text of ../cli.ts.
 *
 * Generation is skipped when the default organization already has sessions, so running `demo`
 * again (or after a restart) keeps the data and just serves it; `--reset` deletes that
 * organization's sessions and agents first and generates afresh. Other organizations, API keys
 * and the outbox are left alone (old outbox rows describe sessions that no longer exist, which
 * a stream replay tolerates like any deleted session).
 */
import { ensureDefaultOrg } from '../bootstrap.js';
import { ConfigError, loadConfig } from '../config.js';
import { startServer } from '../server.js';
import { openStore, type Store } from '../store/db.js';
import { migrate } from '../store/migrate.js';
import { type DemoProgress, type DemoSummary, generateDemoData } from './generate.js';
import { type LiveTraffic, startLiveTraffic } from './live.js';

const on = (v: string | undefined) => v !== undefined && v !== 'false' && v !== '0';

function intFlag(flags: Record<string, string>, name: string, fallback: number, min: number): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${name} must be a whole number ≥ ${min}, got "${raw}"`);
  return n;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function orgSessionCount(store: Store, orgId: string): Promise<number> {
  const row = await store.db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function resetOrg(store: Store, orgId: string) {
  await store.db.transaction().execute(async (trx) => {
    const ofOrg = trx.selectFrom('sessions').select('pk').where('org_id', '=', orgId);
    await trx.deleteFrom('messages').where('session_pk', 'in', ofOrg).execute();
    await trx.deleteFrom('session_events').where('session_pk', 'in', ofOrg).execute();
    // The review rows (0022) go too: left behind, GET /tags would count tags of sessions now gone.
    for (const table of ['session_tags', 'session_scores', 'session_notes'] as const)
      await trx.deleteFrom(table).where('org_id', '=', orgId).execute();
    await trx.deleteFrom('sessions').where('org_id', '=', orgId).execute();
    await trx.deleteFrom('session_ids').where('org_id', '=', orgId).execute();
    await trx.deleteFrom('agents').where('org_id', '=', orgId).execute();
  });
}

/** Progress on stderr: one rewritten line on a terminal, a line per 10 % in a log. */
function progressPrinter() {
  const tty = process.stderr.isTTY;
  let lastDecile = -1;
  return {
    update(p: DemoProgress) {
      const pct = p.total ? Math.floor((p.done / p.total) * 100) : 100;
      const line = `Generating demo data: ${fmt(p.done)}/${fmt(p.total)} sessions (${pct}%) · ${fmt(p.rate)} sessions/s · ${fmt(p.messages)} messages`;
      if (tty) process.stderr.write(`\r${line}\x1b[K`);
      else if (Math.floor(pct / 10) > lastDecile) {
        lastDecile = Math.floor(pct / 10);
        process.stderr.write(`${line}\n`);
      }
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

function printSummary(s: DemoSummary, days: number) {
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(' · ');
  const rate = s.sessions / Math.max(0.001, s.elapsedMs / 1000);
  process.stdout.write(
    [
      `Generated ${fmt(s.sessions)} sessions, ${fmt(s.messages)} messages and ${fmt(s.events)} events for ${s.agents.length} agents over the past ${days} days`,
      `  in ${(s.elapsedMs / 1000).toFixed(1)} s (${fmt(rate)} sessions/s)`,
      `  status   ${list(s.byStatus)}`,
      `  channel  ${list(s.byChannel)}`,
      `  type     ${list(s.byType)}`,
      '',
    ].join('\n'),
  );
}

export async function runDemo(flags: Record<string, string>): Promise<number> {
  const sessions = intFlag(flags, 'sessions', 5000, 0);
  const days = intFlag(flags, 'days', 30, 1);
  const agents = intFlag(flags, 'agents', 12, 1);
  const messagesPerSession = intFlag(flags, 'messages-per-session', 6, 0);
  const seed = flags.seed ?? 'switchboard';
  // The history is laid out backwards from `now`, so reproducing a data set needs both.
  const now = flags.now === undefined ? undefined : Date.parse(flags.now);
  if (now !== undefined && Number.isNaN(now))
    throw new ConfigError(`--now must be an ISO 8601 time, got "${flags.now}"`);
  const serve = !on(flags['no-serve']);
  const live = serve && !on(flags['no-live']);
  const liveEvery = flags['live-every'] === undefined ? liveGapSeconds(sessions, days) : Number(flags['live-every']);
  if (!(liveEvery > 0))
    throw new ConfigError(`--live-every must be a number of seconds > 0, got "${flags['live-every']}"`);
  const config = loadConfig(flags);

  const store = openStore(config.databaseUrl);
  let orgId: string;
  try {
    await migrate(store);
    orgId = (await ensureDefaultOrg(store)).id;
    const existing = await orgSessionCount(store, orgId);
    if (existing > 0 && on(flags.reset)) {
      process.stderr.write(`Deleting the ${fmt(existing)} sessions of the default organization (--reset)…\n`);
      await resetOrg(store, orgId);
    }
    if (existing > 0 && !on(flags.reset)) {
      process.stdout.write(
        `The default organization already has ${fmt(existing)} sessions: keeping them (use --reset to generate afresh).\n`,
      );
    } else {
      const progress = progressPrinter();
      const summary = await generateDemoData(store, {
        sessions,
        days,
        seed,
        agents,
        messagesPerSession,
        orgId,
        now,
        onProgress: (p) => progress.update(p),
      });
      progress.done();
      printSummary(summary, days);
    }
  } finally {
    await store.close();
  }
  if (!serve) return 0;

  let traffic: LiveTraffic | undefined;
  const server = await startServer(config, { handleSignals: true, beforeStop: async () => traffic?.stop() });
  if (live) {
    // Sessions the backfill left active are carried on and ended by the simulator, so "Active"
    // never shows calls that stay frozen until the idle timeout.
    const adopt = await server.store.db
      .selectFrom('sessions')
      .select(['id', 'agent_id', 'message_count', 'event_count'])
      .where('org_id', '=', orgId)
      .where('status', '=', 'active')
      .limit(100)
      .execute();
    traffic = startLiveTraffic(server.app.services.ingest, orgId, {
      agents,
      messagesPerSession: messagesPerSession || 6,
      newSessionEverySec: liveEvery,
      adopt: adopt.map((s) => ({
        id: s.id,
        agentId: s.agent_id,
        messageCount: Number(s.message_count),
        eventCount: Number(s.event_count),
      })),
      log: server.app.log,
    });
    server.app.log.info({ adopted: adopt.length, everySeconds: liveEvery }, 'demo: simulating live traffic');
  }
  process.stdout.write(`\n  Dashboard: ${server.url}\n\n`);
  return -1;
}

/**
 * Seconds between new live sessions by default: the pace of a busy hour of the history (four
 * times its average, as business hours run), so a day of live traffic looks like a day of the
 * history instead of dwarfing it, but at least one a minute, so the dashboard shows life soon.
 */
export function liveGapSeconds(sessions: number, days: number): number {
  if (sessions <= 0) return 60;
  const meanGap = (days * 86_400) / sessions;
  return Math.round(Math.min(60, Math.max(1, meanGap / 4)) * 10) / 10;
}
