/** Settings → People: invite someone (a one-time link to give them), change roles, disable. Admins only. */
import type { Invitation, Role, User } from '@switchboard/client';
import { UserPlus } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { useInviteMutation, useUpdateUserMutation, useUsersQuery } from '../api/accounts';
import { isForbidden } from '../api/client';
import { useMeQuery } from '../api/queries';
import { AdminRequired } from '../components/AdminRequired';
import { ProblemAlert } from '../components/ProblemAlert';
import { RelativeTime } from '../components/RelativeTime';
import {
  Badge,
  Button,
  Card,
  Field,
  Input,
  PageHeader,
  QueryState,
  SecretReveal,
  Select,
  TBody,
  Th,
  THead,
} from '../components/ui';
import { useDocumentTitle } from '../lib/useDocumentTitle';

export const ROLE_LABELS: Record<Role, string> = { viewer: 'Viewer', reviewer: 'Reviewer', admin: 'Admin' };
const ROLE_HELP: Record<Role, string> = {
  viewer: 'reads sessions',
  reviewer: 'reads and reviews sessions',
  admin: 'does everything, people and keys included',
};

export default function UsersPage() {
  useDocumentTitle('People');
  const users = useUsersQuery();
  const me = useMeQuery();
  const [inviting, setInviting] = useState(false);
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const forbidden = isForbidden(users.error);

  return (
    <>
      <PageHeader
        title="People"
        subtitle="Everyone who signs in to this organization, with their role. Disabling someone signs them out at once."
        actions={
          !forbidden && (
            <Button variant="primary" onClick={() => setInviting(true)} disabled={inviting}>
              <UserPlus className="size-4" aria-hidden="true" />
              Invite
            </Button>
          )
        }
      />
      {forbidden ? (
        <AdminRequired what="manage people" serverMessage={users.error?.message} />
      ) : (
        <>
          {invitation && (
            <SecretReveal
              title={`Invitation for ${invitation.email}`}
              secret={new URL(invitation.url, window.location.origin).href}
              copyLabel="Copy invitation link"
              valueTestId="invitation-url"
              onDismiss={() => setInvitation(null)}
            >
              Give this link to {invitation.email}; it works once, for 7 days, and makes them a{' '}
              {ROLE_LABELS[invitation.role].toLowerCase()}.
            </SecretReveal>
          )}
          {inviting && (
            <InviteForm
              onCancel={() => setInviting(false)}
              onInvited={(inv) => {
                setInviting(false);
                setInvitation(inv);
              }}
            />
          )}
          <Card className="relative overflow-x-auto">
            <QueryState
              query={users}
              label="Loading people…"
              errorTitle="Could not load people"
              className="py-16"
              errorClassName="p-6"
              isEmpty={(data) => data.length === 0}
              empty={<p className="px-6 py-12 text-center text-sm text-slate-500">Nobody yet: invite someone.</p>}
            >
              {(data) => <UsersTable users={data} myId={me.data?.user?.id} />}
            </QueryState>
          </Card>
        </>
      )}
    </>
  );
}

function InviteForm({ onCancel, onInvited }: { onCancel: () => void; onInvited: (inv: Invitation) => void }) {
  const invite = useInviteMutation();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate({ email: email.trim(), role }, { onSuccess: onInvited });
  };
  return (
    <Card className="mb-6 p-5">
      <form
        onSubmit={submit}
        aria-label="Invite a person"
        className="grid gap-4 sm:grid-cols-[1fr_12rem_auto] sm:items-end"
      >
        <Field id="invite-email" label="E-mail">
          <Input type="email" required maxLength={254} value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field id="invite-role" label="Role" hint={ROLE_HELP[role]}>
          <Select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {(Object.keys(ROLE_LABELS) as Role[]).map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </Select>
        </Field>
        <div className="flex gap-2 sm:mb-6">
          <Button type="submit" variant="primary" disabled={invite.isPending}>
            Create link
          </Button>
          <Button type="button" onClick={onCancel}>
            Cancel
          </Button>
        </div>
      </form>
      {invite.error && <ProblemAlert title="Could not invite" error={invite.error} className="mt-4" />}
    </Card>
  );
}

function UsersTable({ users, myId }: { users: User[]; myId?: string }) {
  const update = useUpdateUserMutation();
  return (
    <>
      {update.error && <ProblemAlert title="The change was not made" error={update.error} className="m-4" />}
      <table className="w-full text-sm">
        <caption className="sr-only">People</caption>
        <THead>
          <Th>Person</Th>
          <Th>Role</Th>
          <Th className="hidden md:table-cell">Last seen</Th>
          <Th align="right">
            <span className="sr-only">Actions</span>
          </Th>
        </THead>
        <TBody>
          {users.map((u) => {
            const disabled = u.disabledAt !== null;
            return (
              <tr key={u.id} data-user-email={u.email} className={disabled ? 'bg-slate-50/60 text-slate-400' : ''}>
                <td className="px-3 py-3 sm:px-5">
                  <span className="font-medium text-slate-900 wrap-anywhere">{u.name}</span>
                  {u.id === myId && (
                    <Badge tone="indigo" className="ml-2 border-transparent">
                      You
                    </Badge>
                  )}
                  {disabled && (
                    <Badge tone="slate" className="ml-2">
                      Disabled
                    </Badge>
                  )}
                  <span className="mt-0.5 block text-xs text-slate-500 wrap-anywhere">
                    {u.email}
                    {u.sso ? ' · SSO' : ''}
                  </span>
                </td>
                <td className="px-3 py-3 sm:px-5">
                  <Select
                    size="sm"
                    aria-label={`Role of ${u.name}`}
                    value={u.role}
                    disabled={update.isPending}
                    onChange={(e) => update.mutate({ id: u.id, role: e.target.value as Role })}
                  >
                    {(Object.keys(ROLE_LABELS) as Role[]).map((r) => (
                      <option key={r} value={r}>
                        {ROLE_LABELS[r]}
                      </option>
                    ))}
                  </Select>
                </td>
                <td className="hidden px-5 py-3 text-slate-600 md:table-cell">
                  {u.lastSeenAt ? <RelativeTime iso={u.lastSeenAt} /> : <span className="text-slate-400">Never</span>}
                </td>
                <td className="px-3 py-3 sm:px-5 text-right">
                  <Button
                    size="sm"
                    variant={disabled ? 'secondary' : 'ghost-danger'}
                    disabled={update.isPending}
                    onClick={() => update.mutate({ id: u.id, disabled: !disabled })}
                    aria-label={`${disabled ? 'Enable' : 'Disable'} ${u.name}`}
                  >
                    {disabled ? 'Enable' : 'Disable'}
                  </Button>
                </td>
              </tr>
            );
          })}
        </TBody>
      </table>
    </>
  );
}
