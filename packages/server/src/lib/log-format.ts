/**
 * How the server writes its log: one JSON object a line (pino's own format, for log collectors)
 * or short lines a person can read in a terminal. The JSON is the default wherever the output is
 * not a terminal, so nothing that reads a pipe or a file ever has to parse the pretty lines.
 */
import { Writable } from 'node:stream';

export type LogFormat = 'json' | 'pretty';

export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/**
 * The format to write: `--log-format` wins over SWITCHBOARD_LOG_FORMAT; with neither (or `auto`),
 * pretty in a terminal and JSON otherwise. Anything else is refused by the caller (config.ts).
 */
export function chooseLogFormat(opts: { isTTY: boolean; flag?: string; env?: string }): LogFormat {
  const chosen = (opts.flag?.trim() || opts.env?.trim() || 'auto').toLowerCase();
  if (chosen === 'json' || chosen === 'pretty') return chosen;
  return opts.isTTY ? 'pretty' : 'json';
}

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '\x1b[90m' },
  20: { name: 'DEBUG', color: '\x1b[90m' },
  30: { name: 'INFO', color: '\x1b[32m' },
  40: { name: 'WARN', color: '\x1b[33m' },
  50: { name: 'ERROR', color: '\x1b[31m' },
  60: { name: 'FATAL', color: '\x1b[41;97m' },
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';
/** pino's own fields, and the request's id (long, and in every response's header anyway). */
const HIDDEN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'v']);

/** A field's value as `key=value`, quoted when it has spaces; objects as compact JSON. */
function field(key: string, value: unknown): string {
  const text =
    typeof value === 'string'
      ? /[\s"=]/.test(value) || value === ''
        ? JSON.stringify(value)
        : value
      : JSON.stringify(value);
  return `${key}=${text}`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * One pino JSON line as a person reads it:
 *   `14:03:07 INFO  GET /api/v1/sessions 200 3.1 ms  key=swb_AbCd…`
 * A request line leads with its method, URL, status and time; an error keeps its stack on the
 * lines below. A line that is not JSON is passed through unchanged.
 */
export function prettyLine(line: string, color = false): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (!o || typeof o !== 'object') return line;
  const paint = (code: string, text: string) => (color ? `${code}${text}${RESET}` : text);
  const t = new Date(typeof o.time === 'number' ? o.time : Date.now());
  const clock = `${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())}`;
  const level = LEVELS[Number(o.level)] ?? { name: String(o.level ?? 'LOG'), color: '' };
  const rest = { ...o };
  for (const k of HIDDEN) delete rest[k];
  let head = typeof o.msg === 'string' ? o.msg : '';
  if (o.msg === 'request' && typeof o.method === 'string') {
    head =
      `${o.method} ${String(o.url ?? '')} ${String(o.status ?? '')} ${typeof o.ms === 'number' ? `${o.ms} ms` : ''}`.trimEnd();
    for (const k of ['method', 'url', 'status', 'ms', 'route']) delete rest[k];
  }
  let stack = '';
  const err = rest.err as { message?: unknown; stack?: unknown } | undefined;
  if (err && typeof err === 'object') {
    stack = typeof err.stack === 'string' ? err.stack : String(err.message ?? '');
    delete rest.err;
  }
  const fields = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => field(k, v))
    .join(' ');
  const out = `${paint(DIM, clock)} ${paint(level.color, level.name.padEnd(5))} ${head}${fields ? `  ${paint(DIM, fields)}` : ''}`;
  return stack ? `${out}\n${stack.replace(/^/gm, '    ')}` : out;
}

/** A stream for pino that writes each JSON line it gets as a pretty line to `out`. */
export function prettyStream(out: NodeJS.WritableStream & { isTTY?: boolean }): Writable {
  const color = Boolean(out.isTTY) && !process.env.NO_COLOR;
  let partial = '';
  return new Writable({
    write(chunk, _enc, done) {
      const lines = (partial + String(chunk)).split('\n');
      partial = lines.pop() ?? '';
      const text = lines
        .filter((l) => l !== '')
        .map((l) => `${prettyLine(l, color)}\n`)
        .join('');
      if (text) out.write(text);
      done();
    },
  });
}
