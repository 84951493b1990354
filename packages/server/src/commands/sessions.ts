/** `switchboard sessions list`: the newest matching sessions as an aligned table. */
import type { Session, Sort } from '@switchboard/client';
import { SwitchboardError } from '@switchboard/client';
import { ConfigError } from '../config.js';
import { Args, CONNECTION_FLAGS, FILTER_FLAGS, clientFrom, filtersFrom, formatCount } from './args.js';
import { describe } from './export.js';
import { printable } from './terminal.js';

const COLUMNS: Array<[string, (s: Session) => string]> = [
  ['ID', (s) => s.id],
  ['AGENT', (s) => s.agent.name],
  ['CHANNEL', (s) => s.channel],
  ['TYPE', (s) => s.type],
  ['STATUS', (s) => s.status],
  ['STARTED', (s) => s.startedAt.replace('T', ' ').slice(0, 19)],
  ['DURATION', (s) => (s.durationSeconds === null ? 'ongoing' : duration(s.durationSeconds))],
  ['MESSAGES', (s) => String(s.messageCount)],
];
const RIGHT = new Set(['DURATION', 'MESSAGES']);

function duration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m ${Math.round(seconds % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/**
 * Rows padded to their widest cell; ids and names longer than 40 characters are cut. Agent names
 * are whatever an integration sent, so control characters are printed escaped (terminal.ts).
 */
function table(sessions: Session[]): string {
  const cells = sessions.map((s) => COLUMNS.map(([, get]) => clip(printable(get(s)))));
  const widths = COLUMNS.map(([h], i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const render = (row: string[]) =>
    row
      .map((c, i) => (RIGHT.has(COLUMNS[i][0]) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [render(COLUMNS.map(([h]) => h)), ...cells.map(render)].join('\n');
}

const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 39)}…` : s);

export async function runSessions(argv: string[], io: { stdout: NodeJS.WriteStream } = process): Promise<number> {
  const args = new Args(argv, [...CONNECTION_FLAGS, ...FILTER_FLAGS, 'transcript', 'limit', 'sort']);
  const [sub] = args.positional;
  if (sub !== 'list') throw new ConfigError('usage: switchboard sessions list [filters] [--limit N] [--sort FIELD]');
  const limit = args.int('limit', 50);
  const { sb, url } = clientFrom(args);
  const filters = filtersFrom(args, { transcript: true });
  const sort = args.get('sort') as Sort | undefined;
  try {
    const rows: Session[] = [];
    let cursor: string | undefined;
    let total = 0;
    while (rows.length < limit) {
      const page = await sb.sessions.listPage({
        ...filters,
        ...(sort ? { sort } : {}),
        limit: Math.min(500, limit - rows.length),
        ...(cursor ? { cursor } : {}),
      });
      total = page.pagination.total;
      rows.push(...page.data);
      if (!page.pagination.hasMore || !page.pagination.nextCursor) break;
      cursor = page.pagination.nextCursor;
    }
    if (rows.length === 0) {
      io.stdout.write('No sessions found.\n');
      return 0;
    }
    io.stdout.write(`${table(rows)}\n\n${formatCount(rows.length)} of ${formatCount(total)} sessions\n`);
    return 0;
  } catch (err) {
    if (err instanceof SwitchboardError) throw new ConfigError(describe(err, url));
    throw err;
  }
}
