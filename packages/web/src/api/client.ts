/**
 * The dashboard's one connection to the API: a shared `@switchboard/client` instance, so the
 * dashboard runs on the same SDK integrators use. Created without an API key, it signs requests
 * with the HttpOnly session cookie set by `sb.auth.login` and adds `X-Switchboard-CSRF: 1` to
 * writes (the server refuses cookie-authenticated writes without it, and a cross-site form cannot
 * set the header). Every call goes through `call`, which turns the SDK's `SwitchboardError` into
 * the `ApiError` the pages read and reports a 401 to the app.
 */
import type { Problem } from '@switchboard/contracts';
import {
  type ExportFormat,
  ExportRowCounter,
  type SessionFilters,
  type Sort,
  Switchboard,
  SwitchboardError,
  type WebhookDelivery,
} from '@switchboard/client';
import type { SessionFilterValues } from '../lib/filters';

export const sb = new Switchboard({
  baseUrl: window.location.origin,
  // The SDK retries network errors, 429 (honouring Retry-After) and 5xx with backoff. A person is
  // waiting on these calls, so fewer attempts than a background reporter: an error with a Retry
  // button beats a minute-long spinner.
  retries: 2,
  retryMaxDelayMs: 5_000,
});

const NETWORK_MESSAGE = 'Cannot reach the Switchboard server. Check your connection and try again.';

/** A failed API call; `problem` is the RFC 9457 document when the server sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  constructor(err: SwitchboardError) {
    // The SDK fills in an `about:blank` problem for a body that was not one (a proxy's HTML
    // error page, say); that text is not for people, so it gets the plain status line instead.
    const problem: Problem | null =
      err.status === 0 || err.type === 'about:blank'
        ? null
        : {
            type: err.type,
            title: err.title,
            status: err.status,
            ...(err.detail !== undefined ? { detail: err.detail } : {}),
            ...(err.instance !== undefined ? { instance: err.instance } : {}),
            ...(err.errors.length ? { errors: err.errors } : {}),
          };
    super(
      err.status === 0
        ? NETWORK_MESSAGE
        : problem
          ? problem.detail || problem.title
          : `Request failed (${err.status} ${err.title})`,
      { cause: err },
    );
    this.name = 'ApiError';
    this.status = err.status;
    this.problem = problem;
  }
}

/** The key lacks the scope (admin pages answer 403 to a read-only key). */
export const isForbidden = (err: unknown): boolean => err instanceof ApiError && err.status === 403;

/**
 * The server refused the request itself (a 4xx other than "too many" or "too slow"): asking
 * again with the same parameters gets the same answer, so such a query is never retried, polled
 * or refetched by the live stream, and its error shows no Retry button.
 */
export const isRefused = (err: unknown): err is ApiError =>
  err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429;

/** 4xx answers will not change by asking again, and the SDK already retried everything else. */
export const retryQuery = (count: number, err: Error) => !(err instanceof ApiError) && count < 2;

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => {};
/** The app registers what a 401 means (go to /login); this module stays free of routing. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

/**
 * Runs one SDK call and maps its failure. `signIn` calls (login, logout, the `me` probe) answer
 * 401 as part of their job — "nobody is signed in" — so they never count as an expired session.
 * Anything that is not a `SwitchboardError` (the caller's AbortError) passes through untouched.
 */
export async function call<T>(run: () => Promise<T>, opts: { signIn?: boolean } = {}): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof SwitchboardError)) throw err;
    if (err.status === 401 && !opts.signIn) onUnauthorized();
    throw new ApiError(err);
  }
}

/**
 * The dashboard's filter state as SDK filters: blank fields left out rather than sent empty. The
 * range filters (`costUsd[gt]`) ride along under their API names: the SDK turns every key of a
 * filter object into a query parameter.
 */
export function sdkFilters(f: SessionFilterValues): SessionFilters {
  const search = f.search.trim();
  const transcript = f.transcript.trim();
  return {
    ...(search ? { search } : {}),
    ...(transcript ? { transcript } : {}),
    ...(f.channel.length ? { channel: f.channel } : {}),
    ...(f.status.length ? { status: f.status } : {}),
    ...(f.agentId.length ? { agentId: f.agentId } : {}),
    ...(f.source.length ? { source: f.source } : {}),
    ...(f.from ? { from: f.from } : {}),
    ...(f.to ? { to: f.to } : {}),
    ...f.ranges,
    ...(f.tag.length ? { tag: f.tag } : {}),
    ...(f.reviewed ? { reviewed: f.reviewed } : {}),
    ...(f.problems ? { problems: 'true' as const } : {}),
    ...f.scores,
  };
}

export const PAGE_SIZE = 50;

export interface DeliveryPage {
  status?: WebhookDelivery['status'];
  cursor?: string;
}
export const DELIVERY_PAGE_SIZE = 20;

// ─── Export ──────────────────────────────────────────────────────────────────────────────────

export interface ExportProgress {
  bytes: number;
  /** Data rows seen so far (CSV: records after the header; JSON: top-level sessions). */
  rows: number;
}

const EXPORT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
};

/** `sessions-20261104T093012Z.csv`: the name the server gives the same export. */
function exportFilename(format: ExportFormat, now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `sessions-${stamp}.${format}`;
}

/**
 * Streams the export through `sb.sessions.export` and reports progress while it arrives;
 * resolves with the whole file as a Blob and a name for it. The export has no row cap, so
 * progress matters. A refusal (401, 429 past its wait, a bad filter) rejects before any byte.
 */
export async function exportSessions(
  format: Extract<ExportFormat, 'csv' | 'json'>,
  filters: SessionFilterValues,
  sort: Sort,
  onProgress: (p: ExportProgress) => void,
  signal?: AbortSignal,
): Promise<{ blob: Blob; filename: string; rows: number }> {
  const body = await call(() => sb.sessions.export({ ...sdkFilters(filters), sort, format }, { signal }));
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  const counter = new ExportRowCounter(format);
  let bytes = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      // A fetch body's chunks are backed by plain ArrayBuffers; the cast only tells TypeScript
      // (a copy would double the memory of a large export).
      chunks.push(value as Uint8Array<ArrayBuffer>);
      bytes += value.byteLength;
      counter.push(value);
      onProgress({ bytes, rows: counter.rows });
    }
  } finally {
    reader.releaseLock();
  }
  return {
    blob: new Blob(chunks, { type: EXPORT_TYPES[format] }),
    filename: exportFilename(format),
    rows: counter.rows,
  };
}
