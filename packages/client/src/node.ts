/**
 * Node-only helpers (file system). Import from `@switchboard/client/node`; the main entry stays
 * free of Node modules so it bundles for browsers as is.
 */
import { createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import type { Switchboard } from './client.js';
import type { RequestOptions } from './http.js';
import { ExportRowCounter } from './rows.js';
import type { ExportFormat, SessionFilters, Sort } from './types.js';

export interface ExportProgress {
  rows: number;
  bytes: number;
  elapsedMs: number;
  done: boolean;
}

export interface ExportToFileOptions {
  filters?: SessionFilters & { sort?: Sort };
  format?: ExportFormat;
  /** Replace an existing file (otherwise refused). */
  overwrite?: boolean;
  /** Called as chunks arrive and once more at the end (`done: true`). */
  onProgress?: (progress: ExportProgress) => void;
}

/**
 * Streams an export to a file without holding it in memory. It is written next to the target
 * as `<path>.partial` and renamed when complete, so a file at `path` is always a whole export.
 * The request options are those of `sb.sessions.export`; an abort through `signal` removes the
 * partial file.
 *
 * @example
 * import { exportToFile } from '@switchboard/client/node';
 * const { rows } = await exportToFile(sb, 'failed.csv', { filters: { status: 'failed' }, format: 'csv' });
 *
 * @example
 * // Stop on Ctrl-C.
 * const ac = new AbortController();
 * process.once('SIGINT', () => ac.abort());
 * await exportToFile(sb, 'all.ndjson', { format: 'ndjson' }, { signal: ac.signal });
 */
export async function exportToFile(
  sb: Switchboard,
  path: string,
  opts: ExportToFileOptions = {},
  options: RequestOptions = {},
): Promise<ExportProgress> {
  const format = opts.format ?? 'csv';
  if (!opts.overwrite && existsSync(path)) throw new Error(`${path} already exists (pass overwrite to replace it)`);
  const started = Date.now();
  const body = await sb.sessions.export({ ...opts.filters, format }, options);
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  const counter = new ExportRowCounter(format);
  let bytes = 0;
  const progress = (done: boolean): ExportProgress => ({
    rows: counter.rows,
    bytes,
    elapsedMs: Date.now() - started,
    done,
  });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), failed]);
      if (done) break;
      counter.push(value);
      bytes += value.length;
      if (!out.write(value)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failed]);
      opts.onProgress?.(progress(false));
    }
    await Promise.race([new Promise<void>((r) => out.end(() => r())), failed]);
    renameSync(partial, path);
  } catch (err) {
    reader.cancel().catch(() => {});
    out.destroy();
    rmSync(partial, { force: true });
    throw err;
  }
  const result = progress(true);
  opts.onProgress?.(result);
  return result;
}
