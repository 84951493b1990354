/** Data hooks for people: sign-in choices, the first admin, invitations, users, my sign-ins, the audit log. */
import type { AuditQuery, Me, Role } from '@switchboard/client';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { call, sb } from './client';
import { queryKeys } from './queries';

export const accountKeys = {
  sso: ['sso'] as const,
  users: ['users'] as const,
  mySessions: ['my-sessions'] as const,
  audit: (q: AuditQuery) => ['audit', q] as const,
};

/** Whether the server offers SSO (the sign-in page shows its button then). */
export function useSsoQuery() {
  return useQuery({
    queryKey: accountKeys.sso,
    queryFn: async ({ signal }) => {
      const res = await fetch('/api/v1/auth/sso', { signal });
      return res.ok ? ((await res.json()) as { enabled: boolean }) : { enabled: false };
    },
    staleTime: 5 * 60_000,
  });
}

/** After any way of signing in: forget the previous person's data, remember the new one. */
function useSignedIn() {
  const qc = useQueryClient();
  return (me: Me) => {
    qc.clear();
    qc.setQueryData(queryKeys.me, me);
  };
}

export function usePasswordLoginMutation() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) => call(() => sb.auth.login(body), { signIn: true }),
    onSuccess: signedIn,
  });
}

export function useSetupMutation() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (body: { token: string; email: string; name: string; password: string }) =>
      call(() => sb.auth.setup(body), { signIn: true }),
    onSuccess: signedIn,
  });
}

export function useAcceptInvitationMutation() {
  const signedIn = useSignedIn();
  return useMutation({
    mutationFn: (body: { token: string; name: string; password: string }) =>
      call(() => sb.auth.acceptInvitation(body), { signIn: true }),
    onSuccess: signedIn,
  });
}

export function useUsersQuery() {
  return useQuery({ queryKey: accountKeys.users, queryFn: ({ signal }) => call(() => sb.users.list({ signal })) });
}

export function useUpdateUserMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: { id: string; role?: Role; disabled?: boolean }) =>
      call(() => sb.users.update(id, body)),
    onSuccess: () => qc.invalidateQueries({ queryKey: accountKeys.users }),
  });
}

export function useInviteMutation() {
  return useMutation({
    mutationFn: (body: { email: string; role: Role }) => call(() => sb.users.invite(body)),
  });
}

export function useMySessionsQuery(enabled: boolean) {
  return useQuery({
    queryKey: accountKeys.mySessions,
    queryFn: ({ signal }) => call(() => sb.auth.sessions({ signal })),
    enabled,
  });
}

export function useEndSessionMutation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(() => sb.auth.endSession(id)),
    onSuccess: () => qc.invalidateQueries({ queryKey: accountKeys.mySessions }),
  });
}

export function useAuditQuery(q: AuditQuery) {
  return useQuery({
    queryKey: accountKeys.audit(q),
    queryFn: ({ signal }) => call(() => sb.audit.list(q, { signal })),
    placeholderData: keepPreviousData,
  });
}
