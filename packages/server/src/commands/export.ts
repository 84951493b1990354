/**
 * `switchboard export`: streams a filtered export from a running server to a file, through the
 * SDK (so it retries a 429 from the export rate limit by itself), with a progress line.
 */
import { SwitchboardError, type ExportFormat, type Sort } from '@switchboard/client';
import { exportToFile, type ExportProgress } from '@switchboard/client/node';
import { ConfigError } from '../config.js';
import { Args, CONNECTION_FLAGS, FILTER_FLAGS, clientFrom, filtersFrom, formatBytes, formatCount } from './args.js';

const FORMATS: readonly ExportFormat[] = ['csv', 'json', 'ndjson'];

export async function runExport(argv: string[], io: { stderr: NodeJS.WriteStream } = process): Promise<number> {
  const args = new Args(argv, [...CONNECTION_FLAGS, ...FILTER_FLAGS, 'transcript', 'format', 'out', 'force', 'sort']);
  const format = (args.get('format') ?? 'csv') as ExportFormat;
  if (!FORMATS.includes(format)) throw new ConfigError(`--format must be one of ${FORMATS.join(', ')}`);
  const out = args.get('out');
  if (!out || out === 'true') throw new ConfigError('export needs --out FILE');
  const { sb, url } = clientFrom(args);
  const filters = {
    ...filtersFrom(args, { transcript: true }),
    ...(args.get('sort') ? { sort: args.get('sort') as Sort } : {}),
  };

  const tty = io.stderr.isTTY === true;
  // A log file hears from a long export every few seconds, not about a short one at all.
  let lastShown = Date.now();
  const line = (p: ExportProgress) => {
    const seconds = Math.max(p.elapsedMs, 1) / 1000;
    return `${formatCount(p.rows)} rows · ${formatBytes(p.bytes)} · ${formatCount(p.rows / seconds)} rows/s`;
  };
  const onProgress = (p: ExportProgress) => {
    const now = Date.now();
    // A terminal gets a line redrawn in place; a log file gets a line every few seconds.
    if (p.done || now - lastShown < (tty ? 200 : 5000)) return;
    lastShown = now;
    io.stderr.write(tty ? `\r\x1b[2KExporting… ${line(p)}` : `Exporting… ${line(p)}\n`);
  };

  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const result = await exportToFile(
      sb,
      out,
      { filters, format, overwrite: args.has('force'), onProgress },
      { signal: ac.signal },
    );
    io.stderr.write(
      `${tty ? '\r\x1b[2K' : ''}Exported ${line(result)} to ${out} in ${(result.elapsedMs / 1000).toFixed(1)} s\n`,
    );
    return 0;
  } catch (err) {
    if (tty) io.stderr.write('\r\x1b[2K');
    if (ac.signal.aborted) {
      io.stderr.write('Export interrupted; nothing was written.\n');
      return 130;
    }
    if (err instanceof Error && /already exists/.test(err.message))
      throw new ConfigError(`${out} already exists; pass --force to overwrite it`);
    if (err instanceof SwitchboardError) throw new ConfigError(describe(err, url));
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** A problem document as one line a person can act on. */
export function describe(err: SwitchboardError, url: string): string {
  const fields = err.errors.map((e) => `${e.path} ${e.message}`).join('; ');
  if (err.status === 0)
    return `could not reach the server at ${url} (${err.detail ?? err.message}); start it with \`switchboard serve\`, or set SWITCHBOARD_URL or --url`;
  return `${err.status} ${err.title}${err.detail ? `: ${err.detail}` : ''}${fields ? ` (${fields})` : ''}`;
}
