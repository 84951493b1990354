/**
 * Argument parsing for the commands that talk to a running server through the SDK. Unlike the
 * serve flags, a flag may repeat (`--metadata plan=pro --metadata region=eu`), and an unknown
 * flag is an error: a misspelt `--chanel phone` would otherwise export everything.
 */
import { type RangeParam, Switchboard, type SessionFilters } from '@switchboard/client';
import { ConfigError } from '../config.js';

export class Args {
  private readonly flags = new Map<string, string[]>();
  readonly positional: string[] = [];

  constructor(argv: string[], known: readonly string[]) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (!a.startsWith('--')) {
        this.positional.push(a);
        continue;
      }
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      const value =
        eq > 0 ? a.slice(eq + 1) : i + 1 < argv.length && !argv[i + 1].startsWith('--') ? argv[++i] : 'true';
      if (!known.includes(name)) throw new ConfigError(`Unknown flag --${name}`);
      this.flags.set(name, [...(this.flags.get(name) ?? []), value]);
    }
  }

  get(name: string): string | undefined {
    return this.flags.get(name)?.at(-1);
  }

  all(name: string): string[] {
    return this.flags.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.flags.has(name);
  }

  int(name: string, fallback: number, min = 1): number {
    const raw = this.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${name} must be a whole number ≥ ${min}`);
    return n;
  }
}

export const CONNECTION_FLAGS = ['url', 'key', 'help'] as const;
export const FILTER_FLAGS = [
  'search',
  'channel',
  'status',
  'agent-id',
  'type',
  'from',
  'to',
  'metadata',
  'range',
] as const;

/**
 * The server to talk to: `--url`, else SWITCHBOARD_URL, else the port a local `switchboard serve`
 * listens on (PORT, as the server reads it, or 8080).
 */
export function serverUrl(args: Args, env: NodeJS.ProcessEnv = process.env): string {
  const url = args.get('url') || env.SWITCHBOARD_URL?.trim() || `http://localhost:${env.PORT?.trim() || 8080}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`--url (or SWITCHBOARD_URL) must be an http(s) URL, got "${url}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ConfigError(`--url (or SWITCHBOARD_URL) must be an http(s) URL, got "${url}"`);
  return url.replace(/\/+$/, '');
}

/** `--url`/`--key`, or SWITCHBOARD_URL / SWITCHBOARD_API_KEY; the URL is kept for messages. */
export function clientFrom(args: Args, env: NodeJS.ProcessEnv = process.env): { sb: Switchboard; url: string } {
  const baseUrl = serverUrl(args, env);
  const apiKey = args.get('key') ?? env.SWITCHBOARD_API_KEY;
  if (!apiKey) throw new ConfigError('an API key with the read scope is needed: --key KEY or SWITCHBOARD_API_KEY');
  return { sb: new Switchboard({ baseUrl, apiKey, retries: 3 }), url: baseUrl };
}

/** The shared filters, as the API names them; the server validates the values. */
export function filtersFrom(args: Args, opts: { transcript?: boolean } = {}): SessionFilters {
  const filters: SessionFilters = {};
  const text = (flag: string) => args.get(flag);
  if (text('search')) filters.search = text('search');
  if (text('channel')) filters.channel = text('channel');
  if (text('status')) filters.status = text('status');
  if (text('type')) filters.type = text('type');
  if (text('agent-id')) filters.agentId = text('agent-id');
  if (text('from')) filters.from = text('from');
  if (text('to')) filters.to = text('to');
  if (opts.transcript && text('transcript')) filters.transcript = text('transcript');
  const metadata: Record<string, string> = {};
  for (const pair of args.all('metadata')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--metadata takes key=value, got "${pair}"`);
    metadata[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (Object.keys(metadata).length) filters.metadata = metadata;
  for (const condition of args.all('range')) {
    const [param, value] = rangeParam(condition);
    filters[param] = value;
  }
  return filters;
}

const RANGE_OPS = { '>=': 'gte', '<=': 'lte', '>': 'gt', '<': 'lt' } as const;

/**
 * `--range 'turns>=3'` (or the API's own `costUsd[gt]=0.5`) as a query parameter and its value.
 * The field is passed on as written: the server refuses an unknown one with a message naming it.
 */
export function rangeParam(condition: string): [RangeParam, string] {
  const api = /^\s*([A-Za-z_]+)\[(gt|gte|lt|lte)\]\s*=\s*(\S+)\s*$/.exec(condition);
  if (api) return [`${api[1]}[${api[2]}]` as RangeParam, api[3]];
  const short = /^\s*([A-Za-z_]+)\s*(>=|<=|>|<)\s*(\S+)\s*$/.exec(condition);
  if (short) return [`${short[1]}[${RANGE_OPS[short[2] as keyof typeof RANGE_OPS]}]` as RangeParam, short[3]];
  throw new ConfigError(`--range takes FIELD>=N (or >, <, <=), e.g. 'turns>=3' or 'costUsd>0.5'; got "${condition}"`);
}

const units = ['B', 'KB', 'MB', 'GB', 'TB'];
export function formatBytes(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export const formatCount = (n: number) => Math.round(n).toLocaleString('en-US');
