/**
 * One TanStack Query hook per endpoint; every parameter is part of the query key, so two views
 * with the same filters share one cache entry and a filter change is a new entry.
 */
import type { CreateKeyBody } from '@switchboard/contracts';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ListParams, SessionFilterValues } from '../lib/filters';
import * as api from './client';

export const queryKeys = {
  me: ['me'] as const,
  sessions: (p: ListParams) => ['sessions', 'list', p] as const,
  metrics: (f: SessionFilterValues) => ['sessions', 'metrics', f] as const,
  timeseries: (f: SessionFilterValues, r: TimeRange) => ['sessions', 'timeseries', f, r] as const,
  session: (id: string) => ['sessions', 'detail', id] as const,
  agents: ['agents'] as const,
  keys: ['keys'] as const,
};

export interface TimeRange {
  interval: 'hour' | 'day';
  from: string;
  to: string;
}

export interface PollOptions {
  /** ms, or false for no polling. */
  refetchInterval?: number | false;
}

export function useMeQuery() {
  return useQuery({
    queryKey: queryKeys.me,
    queryFn: ({ signal }) => api.getMe(signal),
    retry: false,
    staleTime: 5 * 60_000,
  });
}

export function useSessionsQuery(params: ListParams, opts: PollOptions = {}) {
  return useQuery({
    queryKey: queryKeys.sessions(params),
    queryFn: ({ signal }) => api.listSessions(params, signal),
    placeholderData: keepPreviousData,
    refetchInterval: opts.refetchInterval ?? false,
  });
}

export function useMetricsQuery(filters: SessionFilterValues, opts: PollOptions = {}) {
  return useQuery({
    queryKey: queryKeys.metrics(filters),
    queryFn: ({ signal }) => api.getMetrics(filters, signal),
    refetchInterval: opts.refetchInterval ?? false,
  });
}

export function useTimeseriesQuery(filters: SessionFilterValues, range: TimeRange, opts: PollOptions = {}) {
  return useQuery({
    queryKey: queryKeys.timeseries(filters, range),
    queryFn: ({ signal }) => api.getTimeseries(filters, range, signal),
    placeholderData: keepPreviousData,
    refetchInterval: opts.refetchInterval ?? false,
  });
}

export function useSessionQuery(id: string) {
  return useQuery({
    queryKey: queryKeys.session(id),
    queryFn: ({ signal }) => api.getSession(id, signal),
    // An ongoing conversation keeps arriving: follow it while it is active.
    refetchInterval: (q) => (q.state.data?.status === 'active' ? 10_000 : false),
    retry: (count, err) => !(err instanceof api.ApiError && err.status >= 400 && err.status < 500) && count < 2,
  });
}

export function useAgentsQuery() {
  return useQuery({
    queryKey: queryKeys.agents,
    queryFn: ({ signal }) => api.listAgents(signal),
    staleTime: 60_000,
  });
}

export function useKeysQuery() {
  return useQuery({
    queryKey: queryKeys.keys,
    queryFn: ({ signal }) => api.listKeys(signal),
    retry: (count, err) => !(err instanceof api.ApiError && err.status === 403) && count < 2,
  });
}

export function useCreateKeyMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateKeyBody) => api.createKey(body),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.keys }),
  });
}

export function useRevokeKeyMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.revokeKey(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.keys }),
  });
}

export function useLoginMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => api.login(key),
    onSuccess: (me) => {
      qc.clear();
      qc.setQueryData(queryKeys.me, me);
    },
  });
}

export function useLogoutMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.logout(),
    onSettled: () => qc.clear(),
  });
}
