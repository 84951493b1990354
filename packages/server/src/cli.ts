#!/usr/bin/env node
/**
 * The `switchboard` command: serve (the default), migrate, keys, orgs, demo.
 * Every serve setting is an environment variable with a matching flag (see config.ts).
 */
import { SCOPES, type Scope } from '@switchboard/contracts';
import { ensureDefaultOrg } from './bootstrap.js';
import { ConfigError, loadConfig, parseFlags } from './config.js';
import { generateKey } from './lib/keys.js';
import { startServer } from './server.js';
import { openStore } from './store/db.js';
import { createApiKey } from './store/keys.js';
import { migrate } from './store/migrate.js';
import { createOrg, findOrgByName, listOrgs } from './store/orgs.js';

const HELP = `Usage: switchboard [command] [flags]

Commands:
  serve                      Start the server (default)
  migrate                    Apply database migrations and exit
  demo                       Fill the database with realistic sessions (12 agents, every channel,
                             type and status, transcripts, events, metadata) for the default
                             organization, then serve as \`serve\` does while simulating live traffic.
                             Generates only when the default organization has no sessions yet.
    --sessions N             Sessions to generate (5000)     --days N   History length (30)
    --seed S [--now ISO]     Same seed and clock, same data  --agents N (12; more are regional copies)
    --messages-per-session N Mean transcript length (6)      --live-every SECONDS  New-session gap
                             (default: a busy hour of the history's pace, at most 60)
    --reset                  Delete the default organization's sessions and agents, then generate
    --no-live                Serve without simulated traffic
    --no-serve               Only fill the database and exit (scripts, benchmarks)
  keys create --name NAME --scopes read,ingest,admin [--org NAME]
                             Create an API key (printed once)
  keys generate              Print a new well-formed key (for SWITCHBOARD_ADMIN_KEY)
  orgs create NAME           Create an organization and an admin key for it
  orgs list                  List organizations

Against a running server (--url, else SWITCHBOARD_URL, else http://localhost:$PORT (8080);
--key or SWITCHBOARD_API_KEY, a key with the read scope):
  export --out FILE [--format csv|json|ndjson] [filters] [--sort FIELD] [--force]
                             Stream every matching session to FILE (csv by default), with
                             progress on stderr; refuses to replace FILE without --force
  sessions list [filters] [--limit N] [--sort FIELD]
                             Print the newest matching sessions as a table (50 by default)
  tail [filters] [--last-event-id ID]
                             Print live events one per line until Ctrl-C; reconnects by itself
  Filters: --search TEXT  --channel web,phone  --status failed  --agent-id ID  --type voice
           --from 2026-11-01  --to 2026-11-30  --metadata key=value (repeatable)
           --transcript WORDS (export and sessions list)
           --range 'turns>=3' (repeatable; >, >=, <, <= on durationSeconds, messageCount,
             turns, firstResponseMs, avgResponseMs, maxResponseMs, handoffs, errors,
             interruptions, costUsd, inputTokens, outputTokens)
  Sort: startedAt, endedAt or any --range field; prefix - for descending

Flags (each also an environment variable):
  --port (PORT, 8080)  --host (HOST, 127.0.0.1)  --database-url (DATABASE_URL)
  --database-read-url (DATABASE_READ_URL: a PostgreSQL read replica for the read API)
  --trust-proxy (SWITCHBOARD_TRUST_PROXY: true, or the proxy's addresses/CIDRs)
  --admin-key (SWITCHBOARD_ADMIN_KEY)  --idle-timeout (SWITCHBOARD_IDLE_TIMEOUT, 3600)
  --log-level (LOG_LEVEL, info)  --web-dir (SWITCHBOARD_WEB_DIR)
  --log-format (SWITCHBOARD_LOG_FORMAT: auto, json or pretty; auto is pretty in a terminal)
  --retention-months (SWITCHBOARD_RETENTION_MONTHS, 0: keep every session)
  --session-max-messages, --session-max-events, --session-max-bytes
    (SWITCHBOARD_SESSION_MAX_*, 10000, 10000, 20971520: the most one session may hold)
`;

async function withStore<T>(flags: Record<string, string>, fn: (store: ReturnType<typeof openStore>) => Promise<T>) {
  const config = loadConfig(flags);
  const store = openStore(config.databaseUrl);
  try {
    await migrate(store);
    return await fn(store);
  } finally {
    await store.close();
  }
}

function parseScopes(text: string | undefined): Scope[] {
  const scopes = (text ?? 'read')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length || scopes.length === 0)
    throw new ConfigError(`--scopes must be a comma-separated subset of ${SCOPES.join(', ')}`);
  return [...new Set(scopes)] as Scope[];
}

export async function main(argv: string[]): Promise<number> {
  const { flags, rest } = parseFlags(argv);
  const [command = 'serve', sub, arg] = rest;
  if (flags.help || command === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  switch (command) {
    case 'serve': {
      await startServer(loadConfig(flags), { handleSignals: true });
      return -1; // keep running
    }
    case 'demo': {
      const { runDemo } = await import('./demo/cli.js');
      return runDemo(flags);
    }
    case 'export':
    case 'sessions':
    case 'tail': {
      // These talk to a running server through the SDK; they get their own argv, since their
      // flags may repeat (--metadata) and unknown ones are refused.
      const own = argv.filter((_arg, i) => i !== argv.indexOf(command));
      const { commands } = await import('./commands/index.js');
      return commands[command](own);
    }
    case 'migrate': {
      const applied = await withStore(flags, async () => []);
      process.stdout.write(`Database is up to date${applied.length ? '' : ''}.\n`);
      return 0;
    }
    case 'keys': {
      if (sub === 'generate') {
        process.stdout.write(`${generateKey()}\n`);
        return 0;
      }
      if (sub !== 'create') break;
      if (!flags.name) throw new ConfigError('keys create needs --name');
      const scopes = parseScopes(flags.scopes);
      const { key, row } = await withStore(flags, async (store) => {
        const org = flags.org ? await findOrgByName(store.db, flags.org) : await ensureDefaultOrg(store);
        if (!org) throw new ConfigError(`No organization named "${flags.org}"`);
        return createApiKey(store.db, org.id, flags.name, scopes);
      });
      process.stdout.write(
        `Created key "${row.name}" (${scopes.join(', ')}), id ${row.id}. It is shown only now:\n${key}\n`,
      );
      return 0;
    }
    case 'orgs': {
      if (sub === 'list') {
        const orgs = await withStore(flags, (store) => listOrgs(store.db));
        for (const o of orgs) process.stdout.write(`${o.id}  ${o.name}\n`);
        return 0;
      }
      if (sub !== 'create') break;
      const name = arg ?? flags.name;
      if (!name) throw new ConfigError('orgs create needs a name');
      const { org, key } = await withStore(flags, async (store) => {
        if (await findOrgByName(store.db, name))
          throw new ConfigError(`An organization named "${name}" already exists`);
        const org = await createOrg(store.db, name);
        const { key } = await createApiKey(store.db, org.id, 'Admin', SCOPES);
        return { org, key };
      });
      process.stdout.write(`Created organization "${org.name}" (${org.id}).\nIts admin key, shown only now:\n${key}\n`);
      return 0;
    }
  }
  process.stderr.write(`Unknown command: ${rest.join(' ')}\n\n${HELP}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (
      err instanceof ConfigError ||
      (err instanceof Error && /SWITCHBOARD_ADMIN_KEY|DATABASE_URL/.test(err.message))
    ) {
      process.stderr.write(`switchboard: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`switchboard: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
