/**
 * Settings → People: invite someone (a one-time link, e-mailed to them when the server has a mail
 * server, else given by the admin), change roles, disable. Admins only. A table where there is
 * room, a list of cards on a phone.
 */
import type { Invitation, Role, User } from '@switchboard/client';
import { MailCheck, UserPlus } from 'lucide-react';
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
  cx,
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
import { useMediaQuery, WIDE } from '../lib/useMediaQuery';

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
          {invitation && <InvitationNotice invitation={invitation} onDismiss={() => setInvitation(null)} />}
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
              {(data) => <People users={data} myId={me.data?.user?.id} />}
            </QueryState>
          </Card>
        </>
      )}
    </>
  );
}

/**
 * What became of an invitation: e-mailed (the person has the link), or the link to give them,
 * with the reason the e-mail failed when the server tried to send one.
 */
function InvitationNotice({ invitation, onDismiss }: { invitation: Invitation; onDismiss: () => void }) {
  const terms = `it works once, for 7 days, and makes them ${invitation.role === 'admin' ? 'an' : 'a'} ${ROLE_LABELS[invitation.role].toLowerCase()}.`;
  if (invitation.emailed)
    return (
      <div
        role="status"
        data-testid="invitation-emailed"
        className="mb-6 flex items-start gap-3 rounded-xl border border-emerald-200 bg-emerald-50 p-5"
      >
        <MailCheck className="mt-0.5 size-5 shrink-0 text-emerald-600" aria-hidden="true" />
        <div className="min-w-0 flex-1">
          <h2 className="font-semibold text-emerald-900 wrap-anywhere">Invitation e-mailed to {invitation.email}</h2>
          <p className="mt-0.5 text-sm text-emerald-800">The link in it {terms}</p>
        </div>
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Done
        </Button>
      </div>
    );
  return (
    <SecretReveal
      title={<span className="wrap-anywhere">Invitation for {invitation.email}</span>}
      secret={new URL(invitation.url, window.location.origin).href}
      copyLabel="Copy invitation link"
      valueTestId="invitation-url"
      testId="invitation-link"
      onDismiss={onDismiss}
    >
      {invitation.emailError ? (
        <>
          <span className="block wrap-anywhere" data-testid="invitation-email-error">
            Not e-mailed: {invitation.emailError}.
          </span>
          Give them this link yourself; {terms}
        </>
      ) : (
        <>
          Give this link to {invitation.email}; {terms}
        </>
      )}
    </SecretReveal>
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
            {invite.isPending ? 'Inviting…' : 'Create invitation'}
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

/** The people as a table where there is room for its columns, as cards on a phone. */
function People({ users, myId }: { users: User[]; myId?: string }) {
  const update = useUpdateUserMutation();
  const wide = useMediaQuery(WIDE);
  const setRole = (u: User, role: Role) => update.mutate({ id: u.id, role });
  const toggle = (u: User) => update.mutate({ id: u.id, disabled: u.disabledAt === null });
  const props = { users, myId, busy: update.isPending, setRole, toggle };
  return (
    <>
      {update.error && <ProblemAlert title="The change was not made" error={update.error} className="m-4" />}
      {wide ? <UsersTable {...props} /> : <UserCards {...props} />}
    </>
  );
}

interface PeopleProps {
  users: User[];
  myId?: string;
  busy: boolean;
  setRole: (u: User, role: Role) => void;
  toggle: (u: User) => void;
}

function PersonName({ user, myId }: { user: User; myId?: string }) {
  return (
    <>
      <span className="font-medium text-slate-900 wrap-anywhere">{user.name}</span>
      {user.id === myId && (
        <Badge tone="indigo" className="ml-2 border-transparent">
          You
        </Badge>
      )}
      {user.disabledAt !== null && (
        <Badge tone="slate" className="ml-2">
          Disabled
        </Badge>
      )}
    </>
  );
}

function RoleSelect({ user, busy, setRole }: { user: User; busy: boolean; setRole: PeopleProps['setRole'] }) {
  return (
    <Select
      size="sm"
      aria-label={`Role of ${user.name}`}
      value={user.role}
      disabled={busy}
      onChange={(e) => setRole(user, e.target.value as Role)}
    >
      {(Object.keys(ROLE_LABELS) as Role[]).map((r) => (
        <option key={r} value={r}>
          {ROLE_LABELS[r]}
        </option>
      ))}
    </Select>
  );
}

function ToggleButton({ user, busy, toggle }: { user: User; busy: boolean; toggle: PeopleProps['toggle'] }) {
  const disabled = user.disabledAt !== null;
  return (
    <Button
      size="sm"
      variant={disabled ? 'secondary' : 'ghost-danger'}
      disabled={busy}
      onClick={() => toggle(user)}
      aria-label={`${disabled ? 'Enable' : 'Disable'} ${user.name}`}
    >
      {disabled ? 'Enable' : 'Disable'}
    </Button>
  );
}

const lastSeen = (u: User) =>
  u.lastSeenAt ? <RelativeTime iso={u.lastSeenAt} /> : <span className="text-slate-400">Never</span>;

/**
 * On a phone: one card per person, the name and address on full lines (an address is never
 * squeezed into a column a few characters wide), the role and the action below them.
 */
function UserCards({ users, myId, busy, setRole, toggle }: PeopleProps) {
  return (
    <ul aria-label="People" className="divide-y divide-slate-100" data-testid="user-cards">
      {users.map((u) => (
        <li
          key={u.id}
          data-user-email={u.email}
          className={cx('px-4 py-3', u.disabledAt !== null && 'bg-slate-50/60 text-slate-400')}
        >
          <div className="flex items-start justify-between gap-3">
            <div className="min-w-0">
              <PersonName user={u} myId={myId} />
              <span className="mt-0.5 block text-sm text-slate-500 wrap-anywhere">
                {u.email}
                {u.sso ? ' · SSO' : ''}
              </span>
            </div>
            <ToggleButton user={u} busy={busy} toggle={toggle} />
          </div>
          <div className="mt-2 flex items-center justify-between gap-3 text-xs text-slate-500">
            <RoleSelect user={u} busy={busy} setRole={setRole} />
            <span>Last seen {lastSeen(u)}</span>
          </div>
        </li>
      ))}
    </ul>
  );
}

function UsersTable({ users, myId, busy, setRole, toggle }: PeopleProps) {
  return (
    <table className="w-full text-sm">
      <caption className="sr-only">People</caption>
      <THead>
        <Th>Person</Th>
        <Th>Role</Th>
        <Th>Last seen</Th>
        <Th align="right">
          <span className="sr-only">Actions</span>
        </Th>
      </THead>
      <TBody>
        {users.map((u) => (
          <tr
            key={u.id}
            data-user-email={u.email}
            className={u.disabledAt !== null ? 'bg-slate-50/60 text-slate-400' : ''}
          >
            <td className="px-5 py-3">
              <PersonName user={u} myId={myId} />
              <span className="mt-0.5 block text-xs text-slate-500 wrap-anywhere">
                {u.email}
                {u.sso ? ' · SSO' : ''}
              </span>
            </td>
            <td className="px-5 py-3">
              <RoleSelect user={u} busy={busy} setRole={setRole} />
            </td>
            <td className="px-5 py-3 text-slate-600">{lastSeen(u)}</td>
            <td className="px-5 py-3 text-right">
              <ToggleButton user={u} busy={busy} toggle={toggle} />
            </td>
          </tr>
        ))}
      </TBody>
    </table>
  );
}
