/**
 * One TanStack Query hook per endpoint, each a direct call of the shared SDK instance; every
 * parameter is part of the query key, so two views with the same filters share one cache entry
 * and a filter change is a new entry.
 */
import type {
  AlertPreviewBody,
  CreateAlertBody,
  CreateIntegrationInput,
  CreateWebhookBody,
  RedactionPreviewInput,
  RedactionSettingsInput,
  Scope,
  UpdateWebhookBody,
} from '@switchboard/client';
import type { AgentSort, Channel } from '@switchboard/contracts';
import {
  keepPreviousData,
  type QueryClient,
  queryOptions,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { type ListParams, parseListParams, type SessionFilterValues } from '../lib/filters';
import { call, DELIVERY_PAGE_SIZE, type DeliveryPage, isRefused, PAGE_SIZE, sb, sdkFilters } from './client';

export const queryKeys = {
  me: ['me'] as const,
  sessions: (p: ListParams) => ['sessions', 'list', p] as const,
  metrics: (f: SessionFilterValues, w: TimeWindow | null = null) => ['sessions', 'metrics', f, w] as const,
  timeseries: (f: SessionFilterValues, r: TimeRange) => ['sessions', 'timeseries', f, r] as const,
  session: (id: string) => ['sessions', 'detail', id] as const,
  /** The pages of a transcript after the detail's first, from the cursor the detail gave. */
  transcript: (id: string, from: string) => ['sessions', 'detail', id, 'transcript', from] as const,
  agents: ['agents'] as const,
  agentList: (f: AgentFilterValues, sort: AgentSort) => ['agents', 'list', f, sort] as const,
  agent: (id: string, f: AgentFilterValues, interval: 'hour' | 'day') => ['agents', 'detail', id, f, interval] as const,
  keys: ['keys'] as const,
  webhooks: ['webhooks'] as const,
  integrations: ['integrations'] as const,
  alerts: ['alerts'] as const,
  alertPreview: (body: AlertPreviewBody) => ['alerts', 'preview', body] as const,
  alertHistory: (id: string) => ['alerts', id, 'history'] as const,
  redaction: ['settings', 'redaction'] as const,
  integrationRequests: (id: string) => ['integrations', id, 'requests'] as const,
  deliveries: (id: string, page: DeliveryPage) => ['webhooks', id, 'deliveries', page] as const,
};

export interface TimeRange {
  interval: 'hour' | 'day';
  from: string;
  to: string;
}

/** A window of time for figures: ISO date-times or YYYY-MM-DD days, `to` exclusive for date-times. */
export interface TimeWindow {
  from: string;
  to: string;
}

/** What the agents page and an agent's page filter by: a period (days, inclusive) and channels. */
export interface AgentFilterValues {
  from: string;
  to: string;
  channel: Channel[];
}

const agentParams = (f: AgentFilterValues) => ({
  from: f.from,
  to: f.to,
  ...(f.channel.length ? { channel: f.channel } : {}),
});

interface PollOptions {
  /** ms, or false for no polling. */
  refetchInterval?: number | false;
}

/** Polls every `interval`, except a query the server refused: the same question gets the same 4xx. */
const pollUnlessRefused =
  (interval: number | false | undefined) =>
  (q: { state: { error: Error | null } }): number | false =>
    isRefused(q.state.error) ? false : (interval ?? false);

const meQuery = queryOptions({
  queryKey: queryKeys.me,
  queryFn: ({ signal }) => call(() => sb.auth.me({ signal }), { signIn: true }),
  retry: false,
  staleTime: 5 * 60_000,
});

export function useMeQuery() {
  return useQuery(meQuery);
}

const sessionsQuery = (params: ListParams) =>
  queryOptions({
    queryKey: queryKeys.sessions(params),
    queryFn: ({ signal }) =>
      call(() =>
        sb.sessions.listPage(
          {
            ...sdkFilters(params.filters),
            sort: params.sort,
            limit: PAGE_SIZE,
            offset: (params.page - 1) * PAGE_SIZE,
          },
          { signal },
        ),
      ),
  });

/** The filters' figures; with a window, only over sessions started in it (it wins over the filters' dates). */
const metricsQuery = (filters: SessionFilterValues, window: TimeWindow | null = null) =>
  queryOptions({
    queryKey: queryKeys.metrics(filters, window),
    queryFn: ({ signal }) => call(() => sb.sessions.metrics({ ...sdkFilters(filters), ...window }, { signal })),
  });

export function useSessionsQuery(params: ListParams, opts: PollOptions = {}) {
  return useQuery({
    ...sessionsQuery(params),
    placeholderData: keepPreviousData,
    refetchInterval: pollUnlessRefused(opts.refetchInterval),
  });
}

export function useMetricsQuery(
  filters: SessionFilterValues,
  opts: PollOptions & { window?: TimeWindow; enabled?: boolean } = {},
) {
  return useQuery({
    ...metricsQuery(filters, opts.window ?? null),
    refetchInterval: pollUnlessRefused(opts.refetchInterval),
    enabled: opts.enabled ?? true,
    placeholderData: opts.window ? keepPreviousData : undefined,
  });
}

/**
 * Landing on the sessions list: the sign-in check, the list's page and its metrics are asked for
 * at once, before the first render, not the check first (in the first render) and the rest after
 * it: the rows wait on the slower of three parallel requests instead of two round trips and a
 * render in between. Without a session the requests get 401 like the check itself, and the user
 * goes to /login either way.
 */
export function prefetchLanding(qc: QueryClient, location: Location) {
  if (location.pathname !== '/') return;
  const params = parseListParams(new URLSearchParams(location.search));
  void qc.prefetchQuery(meQuery);
  void qc.prefetchQuery(sessionsQuery(params));
  void qc.prefetchQuery(metricsQuery(params.filters));
}

export function useTimeseriesQuery(filters: SessionFilterValues, range: TimeRange, opts: PollOptions = {}) {
  return useQuery({
    queryKey: queryKeys.timeseries(filters, range),
    queryFn: ({ signal }) =>
      call(() =>
        sb.sessions.timeseries(
          // An explicit filter range wins over the analytics preset.
          { from: range.from, to: range.to, ...sdkFilters(filters), interval: range.interval },
          { signal },
        ),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: pollUnlessRefused(opts.refetchInterval),
  });
}

export function useSessionQuery(id: string, opts: PollOptions = {}) {
  const interval = opts.refetchInterval ?? false;
  return useQuery({
    queryKey: queryKeys.session(id),
    queryFn: ({ signal }) => call(() => sb.sessions.get(id, { signal })),
    // An ongoing conversation keeps arriving: poll it while it is active (the stream, when up,
    // patches it in between, and the caller passes a long interval then).
    refetchInterval: (q) => (q.state.data?.status === 'active' && !isRefused(q.state.error) ? interval : false),
  });
}

/** Messages and events per further page of a transcript (the server also stops at 512 KiB of each). */
export const TRANSCRIPT_PAGE = 500;

/**
 * The pages of a session's transcript after the detail's first (`from`, its
 * `transcript.nextCursor`), fetched only once `wanted` (the reader scrolled to the end of what is
 * loaded), then one more per `fetchNextPage`.
 */
export function useTranscriptPages(id: string, from: string | null, wanted: boolean) {
  return useInfiniteQuery({
    queryKey: queryKeys.transcript(id, from ?? ''),
    queryFn: ({ pageParam, signal }) =>
      call(() => sb.sessions.transcriptPage(id, { cursor: pageParam, limit: TRANSCRIPT_PAGE }, { signal })),
    initialPageParam: from ?? '',
    getNextPageParam: (last) => (last.hasMore && last.nextCursor ? last.nextCursor : undefined),
    enabled: from !== null && wanted,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useAgentsQuery() {
  return useQuery({
    queryKey: queryKeys.agents,
    queryFn: ({ signal }) => call(() => sb.agents.list({ limit: 500 }, { signal })),
    staleTime: 60_000,
  });
}

/** `GET /agents`: every agent's figures over the period, in the API's order. */
export function useAgentListQuery(filters: AgentFilterValues, sort: AgentSort, opts: PollOptions = {}) {
  return useQuery({
    queryKey: queryKeys.agentList(filters, sort),
    queryFn: ({ signal }) => call(() => sb.agents.list({ ...agentParams(filters), sort, limit: 500 }, { signal })),
    placeholderData: keepPreviousData,
    refetchInterval: pollUnlessRefused(opts.refetchInterval),
  });
}

/**
 * `GET /agents/:id`: one agent's figures and its time series. The agents table asks for each
 * row's sparkline with the same key the agent's page uses for the same period, so opening an
 * agent from the list starts from the cache.
 */
export function useAgentQuery(
  id: string,
  filters: AgentFilterValues,
  interval: 'hour' | 'day',
  opts: PollOptions & { enabled?: boolean } = {},
) {
  return useQuery({
    queryKey: queryKeys.agent(id, filters, interval),
    queryFn: ({ signal }) => call(() => sb.agents.get(id, { ...agentParams(filters), interval }, { signal })),
    enabled: opts.enabled ?? true,
    placeholderData: keepPreviousData,
    refetchInterval: pollUnlessRefused(opts.refetchInterval),
    staleTime: 30_000,
  });
}

export function useKeysQuery() {
  return useQuery({
    queryKey: queryKeys.keys,
    queryFn: ({ signal }) => call(() => sb.keys.list({ signal })),
  });
}

export function useCreateKeyMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; scopes: Scope[] }) => call(() => sb.keys.create(body)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.keys }),
  });
}

export function useRevokeKeyMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(() => sb.keys.revoke(id)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.keys }),
  });
}

export function useLoginMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (key: string) => call(() => sb.auth.login(key), { signIn: true }),
    onSuccess: (me) => {
      qc.clear();
      qc.setQueryData(queryKeys.me, me);
    },
  });
}

export function useLogoutMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => call(() => sb.auth.logout(), { signIn: true }),
    onSettled: () => qc.clear(),
  });
}

// ─── Webhooks ────────────────────────────────────────────────────────────────────────────────

export function useWebhooksQuery() {
  return useQuery({
    queryKey: queryKeys.webhooks,
    queryFn: ({ signal }) => call(() => sb.webhooks.list({ signal })),
  });
}

/** A pending delivery changes within seconds: the log follows it closely until it settles. */
export function useDeliveriesQuery(id: string, page: DeliveryPage) {
  return useQuery({
    queryKey: queryKeys.deliveries(id, page),
    queryFn: ({ signal }) =>
      call(() => sb.webhooks.deliveriesPage(id, { ...page, limit: DELIVERY_PAGE_SIZE }, { signal })),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.data.some((d) => d.status === 'pending') ? 2_000 : 15_000),
  });
}

export function useCreateWebhookMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateWebhookBody) => call(() => sb.webhooks.create(body)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.webhooks }),
  });
}

export function useUpdateWebhookMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateWebhookBody }) => call(() => sb.webhooks.update(id, body)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.webhooks }),
  });
}

export function useDeleteWebhookMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(() => sb.webhooks.delete(id)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.webhooks }),
  });
}

export function useRotateSecretMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(() => sb.webhooks.rotateSecret(id)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.webhooks }),
  });
}

/** The test ping and a retry both queue a delivery: the log of that endpoint is stale at once. */
export function useTestWebhookMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(() => sb.webhooks.sendTest(id)),
    onSuccess: (_d, id) => qc.invalidateQueries({ queryKey: ['webhooks', id, 'deliveries'] }),
  });
}

export function useRetryDeliveryMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ webhookId, deliveryId }: { webhookId: string; deliveryId: string }) =>
      call(() => sb.webhooks.retryDelivery(webhookId, deliveryId)),
    onSuccess: (_d, v) => qc.invalidateQueries({ queryKey: ['webhooks', v.webhookId, 'deliveries'] }),
  });
}

export function useIntegrationsQuery() {
  return useQuery({
    queryKey: queryKeys.integrations,
    queryFn: ({ signal }) => call(() => sb.integrations.list({ signal })),
    // "Last request" and the refusals move while someone sets a platform up: look again now and then.
    refetchInterval: 10_000,
  });
}

export function useIntegrationRequestsQuery(id: string) {
  return useQuery({
    queryKey: queryKeys.integrationRequests(id),
    queryFn: ({ signal }) => call(() => sb.integrations.requests(id, { signal })),
    refetchInterval: 10_000,
  });
}

export function useCreateIntegrationMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateIntegrationInput) => call(() => sb.integrations.create(body)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.integrations }),
  });
}

export function useDeleteIntegrationMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(() => sb.integrations.delete(id)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.integrations }),
  });
}

// ─── Alerts ──────────────────────────────────────────────────────────────────────────────────

export function useAlertsQuery() {
  return useQuery({
    queryKey: queryKeys.alerts,
    queryFn: ({ signal }) => call(() => sb.alerts.list({ signal })),
    // Alert events on the live stream refresh it at once; this catches a stream that is paused.
    refetchInterval: 30_000,
  });
}

export function useAlertPreviewQuery(body: AlertPreviewBody | null) {
  return useQuery({
    queryKey: queryKeys.alertPreview(body ?? { metric: 'sessions', windowSeconds: 60 }),
    queryFn: ({ signal }) => call(() => sb.alerts.preview(body as AlertPreviewBody, { signal })),
    enabled: body !== null,
    placeholderData: (previous) => previous,
    staleTime: 15_000,
  });
}

export function useAlertHistoryQuery(id: string) {
  return useQuery({
    queryKey: queryKeys.alertHistory(id),
    queryFn: ({ signal }) => call(() => sb.alerts.history(id, { limit: 20 }, { signal })),
  });
}

export function useSaveAlertMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id?: string; body: CreateAlertBody }) =>
      call(() => (id ? sb.alerts.update(id, body) : sb.alerts.create(body))),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.alerts }),
  });
}

export function useDeleteAlertMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(() => sb.alerts.delete(id)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.alerts }),
  });
}

export function useRedactionQuery() {
  return useQuery({
    queryKey: queryKeys.redaction,
    queryFn: ({ signal }) => call(() => sb.settings.getRedaction({ signal })),
  });
}

export function useSaveRedactionMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: RedactionSettingsInput) => call(() => sb.settings.putRedaction(body)),
    onSuccess: (saved) => qc.setQueryData(queryKeys.redaction, saved),
  });
}

/** The "try it" box: what a text becomes under the settings on the form (nothing is stored). */
export function usePreviewRedactionMutation() {
  return useMutation({
    mutationFn: (body: RedactionPreviewInput) => call(() => sb.settings.previewRedaction(body)),
  });
}

/** "Apply to stored sessions": the saved settings applied again, as a job (follow it with useJobQuery). */
export function useApplyRedactionMutation() {
  return useMutation({ mutationFn: (filters: string) => call(() => sb.settings.applyRedaction(filters)) });
}
