/**
 * Every call the dashboard makes to the Switchboard API, in one place, so the module can later be
 * swapped for the SDK. Authentication is the HttpOnly session cookie set by `login`; the browser
 * sends it (same origin). Every state-changing request carries `X-Switchboard-CSRF: 1`: the server
 * refuses cookie-authenticated writes without it, and a cross-site form cannot set the header.
 */
import type {
  AgentList,
  ApiKeyList,
  CreatedApiKey,
  CreateKeyBody,
  ExportFormat,
  Me,
  Metrics,
  Problem,
  SessionDetail,
  SessionList,
  Timeseries,
  UpdateWebhookBody,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookDeliveryStatus,
  WebhookList,
  WebhookWithSecret,
  CreateWebhookBody,
} from '@switchboard/contracts';
import type { ListParams, SessionFilterValues } from '../lib/filters';
import { filtersToParams } from '../lib/filters';

export const API_BASE = '/api/v1';

/** A failed API call; `problem` is the RFC 9457 document when the server sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  constructor(status: number, problem: Problem | null, fallback: string) {
    super(problem?.detail || problem?.title || fallback);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

type UnauthorizedHandler = () => void;
let onUnauthorized: UnauthorizedHandler = () => {};
/** The app registers what a 401 means (go to /login); the client stays free of routing. */
export function setUnauthorizedHandler(handler: UnauthorizedHandler): void {
  onUnauthorized = handler;
}

async function readProblem(res: Response): Promise<Problem | null> {
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return null;
  try {
    const body = (await res.json()) as Partial<Problem>;
    if (body && typeof body === 'object' && typeof body.status === 'number') return body as Problem;
    return null;
  } catch {
    return null;
  }
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Don't treat a 401 as "session expired" (login and the initial `me` probe). */
  allowUnauthorized?: boolean;
}

async function request<T>(
  path: string,
  { method = 'GET', body, signal, allowUnauthorized }: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-switchboard-csrf'] = '1';
  let res: Response;
  try {
    res = await fetch(API_BASE + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, null, 'Cannot reach the Switchboard server. Check your connection and try again.');
  }
  if (!res.ok) {
    const problem = await readProblem(res);
    if (res.status === 401 && !allowUnauthorized) onUnauthorized();
    throw new ApiError(res.status, problem, `Request failed (${res.status} ${res.statusText})`);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

function qs(params: URLSearchParams): string {
  const s = params.toString();
  return s ? `?${s}` : '';
}

// ─── Auth ────────────────────────────────────────────────────────────────────────────────────

export const login = (key: string) =>
  request<Me>('/auth/login', { method: 'POST', body: { key }, allowUnauthorized: true });
export const getMe = (signal?: AbortSignal) => request<Me>('/auth/me', { signal, allowUnauthorized: true });
export const logout = () => request<void>('/auth/logout', { method: 'POST', allowUnauthorized: true });

// ─── Sessions ────────────────────────────────────────────────────────────────────────────────

export const PAGE_SIZE = 50;

export function listSessions(params: ListParams, signal?: AbortSignal) {
  const p = filtersToParams(params.filters);
  p.set('sort', params.sort);
  p.set('limit', String(PAGE_SIZE));
  p.set('offset', String((params.page - 1) * PAGE_SIZE));
  return request<SessionList>(`/sessions${qs(p)}`, { signal });
}

export const getMetrics = (filters: SessionFilterValues, signal?: AbortSignal) =>
  request<Metrics>(`/sessions/metrics${qs(filtersToParams(filters))}`, { signal });

export function getTimeseries(
  filters: SessionFilterValues,
  range: { interval: 'hour' | 'day'; from: string; to: string },
  signal?: AbortSignal,
) {
  const p = filtersToParams(filters);
  p.set('interval', range.interval);
  // An explicit filter range wins over the analytics preset.
  if (!filters.from) p.set('from', range.from);
  if (!filters.to) p.set('to', range.to);
  return request<Timeseries>(`/sessions/timeseries${qs(p)}`, { signal });
}

export const getSession = (id: string, signal?: AbortSignal) =>
  request<SessionDetail>(`/sessions/${encodeURIComponent(id)}`, { signal });

export const listAgents = (signal?: AbortSignal) => request<AgentList>('/agents', { signal });

// ─── Keys ────────────────────────────────────────────────────────────────────────────────────

export const listKeys = (signal?: AbortSignal) => request<ApiKeyList>('/keys', { signal });
export const createKey = (body: CreateKeyBody) => request<CreatedApiKey>('/keys', { method: 'POST', body });
export const revokeKey = (id: string) => request<void>(`/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });

// ─── Webhooks ────────────────────────────────────────────────────────────────────────────────

const hookPath = (id: string) => `/webhooks/${encodeURIComponent(id)}`;

export const listWebhooks = (signal?: AbortSignal) => request<WebhookList>('/webhooks', { signal });
export const createWebhook = (body: CreateWebhookBody) =>
  request<WebhookWithSecret>('/webhooks', { method: 'POST', body });
export const updateWebhook = (id: string, body: UpdateWebhookBody) =>
  request<Webhook>(hookPath(id), { method: 'PATCH', body });
export const deleteWebhook = (id: string) => request<void>(hookPath(id), { method: 'DELETE' });
export const rotateWebhookSecret = (id: string) =>
  request<WebhookWithSecret>(`${hookPath(id)}/rotate-secret`, { method: 'POST' });
export const testWebhook = (id: string) => request<WebhookDelivery>(`${hookPath(id)}/test`, { method: 'POST' });

export interface DeliveryPage {
  status?: WebhookDeliveryStatus;
  cursor?: string;
}
export const DELIVERY_PAGE_SIZE = 20;

export function listDeliveries(id: string, page: DeliveryPage, signal?: AbortSignal) {
  const p = new URLSearchParams({ limit: String(DELIVERY_PAGE_SIZE) });
  if (page.status) p.set('status', page.status);
  if (page.cursor) p.set('cursor', page.cursor);
  return request<WebhookDeliveryList>(`${hookPath(id)}/deliveries${qs(p)}`, { signal });
}
export const retryDelivery = (id: string, deliveryId: string) =>
  request<WebhookDelivery>(`${hookPath(id)}/deliveries/${encodeURIComponent(deliveryId)}/retry`, { method: 'POST' });

// ─── Export ──────────────────────────────────────────────────────────────────────────────────

export interface ExportProgress {
  bytes: number;
  /** Data rows seen so far (CSV: lines after the header; JSON: top-level sessions). */
  rows: number;
}

/** `attachment; filename="sessions-2026….csv"` → the file name (RFC 6266, incl. filename*). */
export function filenameFromDisposition(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''));
    } catch {
      /* fall through to the plain parameter */
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
  return (plain?.[2] ?? plain?.[1]?.trim()) || fallback;
}

/**
 * Streams `GET /sessions/export` and reports progress while it arrives; resolves with the whole
 * file as a Blob and its server-given name. The export has no row cap, so progress matters.
 */
export async function exportSessions(
  format: Extract<ExportFormat, 'csv' | 'json'>,
  filters: SessionFilterValues,
  sort: string,
  onProgress: (p: ExportProgress) => void,
  signal?: AbortSignal,
): Promise<{ blob: Blob; filename: string; rows: number }> {
  const p = filtersToParams(filters);
  p.set('format', format);
  p.set('sort', sort);
  let res: Response;
  try {
    res = await fetch(`${API_BASE}/sessions/export${qs(p)}`, { credentials: 'same-origin', signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, null, 'Cannot reach the Switchboard server.');
  }
  if (!res.ok) {
    const problem = await readProblem(res);
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, problem, `Export failed (${res.status})`);
  }
  const type = res.headers.get('content-type') ?? (format === 'csv' ? 'text/csv' : 'application/json');
  const filename = filenameFromDisposition(res.headers.get('content-disposition'), `sessions.${format}`);
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  const progress: ExportProgress = { bytes: 0, rows: 0 };
  const counter = format === 'csv' ? csvRowCounter() : jsonRowCounter();
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      progress.bytes += value.byteLength;
      progress.rows = counter(value);
      onProgress({ ...progress });
    }
  } else {
    const buf = new Uint8Array(await res.arrayBuffer());
    chunks.push(buf);
    progress.bytes = buf.byteLength;
    progress.rows = counter(buf);
    onProgress({ ...progress });
  }
  return { blob: new Blob(chunks, { type }), filename, rows: progress.rows };
}

/** Counts CSV records (newlines outside quotes), minus the header. */
function csvRowCounter() {
  let inQuotes = false;
  let lines = 0;
  let sawContentAfterNewline = false;
  return (chunk: Uint8Array): number => {
    for (const b of chunk) {
      if (b === 0x22) inQuotes = !inQuotes;
      else if (b === 0x0a && !inQuotes) {
        lines++;
        sawContentAfterNewline = false;
        continue;
      }
      if (b !== 0x0d) sawContentAfterNewline = true;
    }
    const records = lines + (sawContentAfterNewline ? 1 : 0);
    return Math.max(0, records - 1);
  };
}

/** Counts objects at depth 1 of a top-level JSON array, outside strings. */
function jsonRowCounter() {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let rows = 0;
  return (chunk: Uint8Array): number => {
    for (const b of chunk) {
      if (inString) {
        if (escaped) escaped = false;
        else if (b === 0x5c) escaped = true;
        else if (b === 0x22) inString = false;
        continue;
      }
      if (b === 0x22) inString = true;
      else if (b === 0x7b || b === 0x5b) {
        if (b === 0x7b && depth === 1) rows++;
        depth++;
      } else if (b === 0x7d || b === 0x5d) depth--;
    }
    return rows;
  };
}
