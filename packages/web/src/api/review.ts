/**
 * The review endpoints' hooks (tags, scores, notes, the reviewed mark, saved views, bulk jobs),
 * each a direct call of the shared SDK instance. A change answers with the session, which
 * replaces the cached detail's fields at once; lists and counts refetch.
 */
import type { BulkAction, Session, SessionDetail } from '@switchboard/client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call, sb } from './client';
import { queryKeys } from './queries';

export const reviewKeys = {
  views: ['views'] as const,
  tags: ['tags'] as const,
  job: (id: string) => ['jobs', id] as const,
};

export function useViewsQuery() {
  return useQuery({
    queryKey: reviewKeys.views,
    queryFn: ({ signal }) => call(() => sb.review.views({ signal })),
    staleTime: 30_000,
  });
}

export function useTagsQuery() {
  return useQuery({
    queryKey: reviewKeys.tags,
    queryFn: ({ signal }) => call(() => sb.review.tags({ signal })),
    staleTime: 30_000,
  });
}

/** The session's new state into the cached detail; the lists that may show it refetch. */
function useSessionChange<V>(id: string, run: (v: V) => Promise<Session>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: V) => call(() => run(v)),
    onSuccess: (s) => {
      qc.setQueryData<SessionDetail>(queryKeys.session(id), (old) => (old ? { ...old, ...s } : old));
      void qc.invalidateQueries({ queryKey: queryKeys.session(id) });
      void qc.invalidateQueries({ queryKey: ['sessions', 'list'] });
      void qc.invalidateQueries({ queryKey: reviewKeys.tags });
    },
  });
}

export const useTagMutation = (id: string) =>
  useSessionChange(id, (change: { addTags?: string[]; removeTags?: string[] }) => sb.review.tag(id, change));

export const useReviewedMutation = (id: string) =>
  useSessionChange(id, (reviewed: boolean) => sb.review.markReviewed(id, reviewed));

export const useScoreMutation = (id: string) =>
  useSessionChange(id, (v: { name: string; value: number | boolean | string }) => sb.review.score(id, v.name, v.value));

export function useNoteMutation(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: string) => call(() => sb.review.note(id, body)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.session(id) }),
  });
}

export function useDeleteNoteMutation(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (noteId: string) => call(() => sb.review.deleteNote(id, noteId)),
    onSuccess: () => qc.invalidateQueries({ queryKey: queryKeys.session(id) }),
  });
}

export function useSaveViewMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (v: { name: string; query: string }) => call(() => sb.review.createView(v)),
    onSuccess: () => qc.invalidateQueries({ queryKey: reviewKeys.views }),
  });
}

export function useDeleteViewMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(() => sb.review.deleteView(id)),
    onSuccess: () => qc.invalidateQueries({ queryKey: reviewKeys.views }),
  });
}

export function useBulkMutation() {
  return useMutation({
    mutationFn: (v: { filters: string; action: BulkAction }) => call(() => sb.review.bulk(v.filters, v.action)),
  });
}

/** A job's progress, asked for every half second until it is done; then the lists refetch. */
export function useJobQuery(id: string | null) {
  const qc = useQueryClient();
  return useQuery({
    queryKey: reviewKeys.job(id ?? ''),
    enabled: !!id,
    queryFn: async ({ signal }) => {
      const job = await call(() => sb.review.job(id as string, { signal }));
      if (job.status === 'succeeded' || job.status === 'failed') {
        void qc.invalidateQueries({ queryKey: ['sessions'] });
        void qc.invalidateQueries({ queryKey: reviewKeys.tags });
      }
      return job;
    },
    refetchInterval: (q) => (q.state.data && ['succeeded', 'failed'].includes(q.state.data.status) ? false : 500),
  });
}
