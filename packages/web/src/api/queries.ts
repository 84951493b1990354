/**
 * One TanStack Query hook per endpoint; every parameter is part of the query key, so two views
 * with the same filters share one cache entry and a filter change is a new entry.
 */
import type { CreateKeyBody, CreateWebhookBody, UpdateWebhookBody } from '@switchboard/contracts';
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
  webhooks: ['webhooks'] as const,
  deliveries: (id: string, page: api.DeliveryPage) => ['webhooks', id, 'deliveries', page] as const,
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

export function useSessionQuery(id: string, opts: PollOptions = {}) {
  const interval = opts.refetchInterval ?? false;
  return useQuery({
    queryKey: queryKeys.session(id),
    queryFn: ({ signal }) => api.getSession(id, signal),
    // An ongoing conversation keeps arriving: poll it while it is active (the stream, when up,
    // patches it in between, and the caller passes a long interval then).
    refetchInterval: (q) => (q.state.data?.status === 'active' ? interval : false),
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

// ─── Webhooks ────────────────────────────────────────────────────────────────────────────────

const notForbidden = (count: number, err: Error) =>
  !(err instanceof api.ApiError && err.status >= 400 && err.status < 500) && count < 2;

export function useWebhooksQuery() {
  return useQuery({
    queryKey: queryKeys.webhooks,
    queryFn: ({ signal }) => api.listWebhooks(signal),
    retry: notForbidden,
  });
}

export function useDeliveriesQuery(id: string, page: api.DeliveryPage, opts: PollOptions = {}) {
  return useQuery({
    queryKey: queryKeys.deliveries(id, page),
    queryFn: ({ signal }) => api.listDeliveries(id, page, signal),
    placeholderData: keepPreviousData,
    refetchInterval: opts.refetchInterval ?? false,
    retry: notForbidden,
  });
}

export function useCreateWebhookMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateWebhookBody) => api.createWebhook(body),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.webhooks }),
  });
}

export function useUpdateWebhookMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateWebhookBody }) => api.updateWebhook(id, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.webhooks }),
  });
}

export function useDeleteWebhookMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.deleteWebhook(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.webhooks }),
  });
}

export function useRotateSecretMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.rotateWebhookSecret(id),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.webhooks }),
  });
}

/** The test ping and a retry both queue a delivery: the log of that endpoint is stale at once. */
export function useTestWebhookMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.testWebhook(id),
    onSuccess: (_d, id) => qc.invalidateQueries({ queryKey: ['webhooks', id, 'deliveries'] }),
  });
}

export function useRetryDeliveryMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ webhookId, deliveryId }: { webhookId: string; deliveryId: string }) =>
      api.retryDelivery(webhookId, deliveryId),
    onSuccess: (_d, v) => qc.invalidateQueries({ queryKey: ['webhooks', v.webhookId, 'deliveries'] }),
  });
}
