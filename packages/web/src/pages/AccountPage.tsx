/** Settings → Your account: who you are, and where you are signed in (end any other sign-in). */
import { useEndSessionMutation, useMySessionsQuery } from '../api/accounts';
import { useMeQuery } from '../api/queries';
import { ProblemAlert } from '../components/ProblemAlert';
import { RelativeTime } from '../components/RelativeTime';
import { Badge, Button, Card, PageHeader, QueryState, TBody, Th, THead } from '../components/ui';
import { useDocumentTitle } from '../lib/useDocumentTitle';
import { ROLE_LABELS } from './UsersPage';

const METHODS = { password: 'Password', setup: 'First admin link', invitation: 'Invitation', oidc: 'SSO' } as const;

function browserOf(ua: string | null): string {
  if (!ua) return 'Unknown browser';
  const name = /(Edg|Firefox|Chrome|Safari)\//.exec(ua)?.[1];
  const os = /(Windows|Mac OS X|Android|iPhone|Linux)/.exec(ua)?.[1];
  return (
    [name === 'Edg' ? 'Edge' : name, os?.replace('Mac OS X', 'macOS')].filter(Boolean).join(' on ') || ua.slice(0, 60)
  );
}

export default function AccountPage() {
  useDocumentTitle('Your account');
  const me = useMeQuery();
  const user = me.data?.user;
  const sessions = useMySessionsQuery(Boolean(user));
  const end = useEndSessionMutation();

  return (
    <>
      <PageHeader
        title="Your account"
        subtitle={
          user
            ? `${user.name} · ${user.email} · ${ROLE_LABELS[user.role]}`
            : 'You are signed in with an API key: it has no personal sign-ins to list.'
        }
      />
      {user && (
        <Card className="relative overflow-x-auto">
          <h2 className="border-b border-slate-200 px-5 py-3 text-sm font-semibold text-slate-900">
            Where you are signed in
          </h2>
          {end.error && <ProblemAlert title="Could not sign that out" error={end.error} className="m-4" />}
          <QueryState
            query={sessions}
            label="Loading sign-ins…"
            errorTitle="Could not load your sign-ins"
            className="py-12"
            errorClassName="p-6"
          >
            {(data) => (
              <table className="w-full text-sm">
                <caption className="sr-only">Your sign-ins</caption>
                <THead>
                  <Th>Browser</Th>
                  <Th className="hidden sm:table-cell">Signed in</Th>
                  <Th className="hidden md:table-cell">Last active</Th>
                  <Th align="right">
                    <span className="sr-only">Actions</span>
                  </Th>
                </THead>
                <TBody>
                  {data.map((s) => (
                    <tr key={s.id} data-sign-in={s.id}>
                      <td className="px-5 py-3">
                        <span className="font-medium text-slate-900">{browserOf(s.userAgent)}</span>
                        {s.current && (
                          <Badge tone="indigo" className="ml-2 border-transparent">
                            This browser
                          </Badge>
                        )}
                        <span className="block text-xs text-slate-500">
                          {METHODS[s.method]}
                          {s.ip ? ` · ${s.ip}` : ''}
                        </span>
                      </td>
                      <td className="hidden px-5 py-3 text-slate-600 sm:table-cell">
                        <RelativeTime iso={s.createdAt} />
                      </td>
                      <td className="hidden px-5 py-3 text-slate-600 md:table-cell">
                        <RelativeTime iso={s.lastSeenAt} />
                      </td>
                      <td className="px-5 py-3 text-right">
                        {!s.current && (
                          <Button
                            size="sm"
                            variant="ghost-danger"
                            disabled={end.isPending}
                            onClick={() => end.mutate(s.id)}
                          >
                            End sign-in
                          </Button>
                        )}
                      </td>
                    </tr>
                  ))}
                </TBody>
              </table>
            )}
          </QueryState>
        </Card>
      )}
    </>
  );
}
