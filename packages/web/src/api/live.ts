/**
 * Live updates over `GET /api/v1/stream` (Server-Sent Events, DESIGN §3.4). The stream does not
 * keep state of its own: each event just invalidates the session queries, which refetch (cheaply,
 * ETag-backed). Polling stays on as the fallback, so a server without the stream, or a proxy that
 * buffers it, still gets the 10-second refresh.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { SessionFilterValues } from '../lib/filters';
import { filtersToParams } from '../lib/filters';
import { API_BASE } from './client';

const EVENT_TYPES = ['session.started', 'session.updated', 'session.ended', 'message.created', 'event.created'];
const MIN_GAP_MS = 1_000;

export function useLiveUpdates(filters: SessionFilterValues, enabled: boolean): void {
  const qc = useQueryClient();
  const key = filtersToParams(filters).toString();
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource(`${API_BASE}/stream${key ? `?${key}` : ''}`, { withCredentials: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const invalidate = () => {
      if (timer) return;
      const wait = Math.max(0, last + MIN_GAP_MS - Date.now());
      timer = setTimeout(() => {
        timer = undefined;
        last = Date.now();
        void qc.invalidateQueries({ queryKey: ['sessions'] });
      }, wait);
    };
    for (const type of EVENT_TYPES) source.addEventListener(type, invalidate);
    // A 404/401 closes the source for good (no retry storm); network errors reconnect by themselves.
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) source.close();
    };
    return () => {
      clearTimeout(timer);
      source.close();
    };
  }, [key, enabled, qc]);
}
