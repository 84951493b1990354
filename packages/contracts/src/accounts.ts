/**
 * Team accounts (docs/SECURITY.md#people-and-roles): the people of an organization, their roles
 * and sign-ins, invitations, the first start's setup, and the audit log.
 */
import { type Static, Type } from 'typebox';
import { ROLES } from './enums.js';
import { Nullable, StringEnum } from './schemas.js';

export const Role = StringEnum(ROLES, {
  description: '`viewer` reads; `reviewer` reads and reviews (tags, scores, notes); `admin` does everything.',
});
export type Role = Static<typeof Role>;

const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  format: 'email',
  description: 'An e-mail address.',
  examples: ['grace@example.com'],
});
const PersonName = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'The name shown to the team.',
  examples: ['Grace Hopper'],
});
const Password = Type.String({
  minLength: 10,
  maxLength: 1024,
  description: 'At least 10 characters.',
  examples: ['correct horse battery staple'],
});
const OneTimeToken = Type.String({
  minLength: 16,
  maxLength: 128,
  description: 'The token of the link, after `#token=`.',
  examples: ['q1Zb0T7dJpVw3cX9mL2rN8sK4fH6gY5a'],
});

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  createdAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Nullable(Type.String({ format: 'date-time' })),
  disabledAt: Nullable(Type.String({ format: 'date-time' })),
  sso: Type.Boolean({ description: 'True when the person has no password and signs in through SSO only.' }),
});
export type User = Static<typeof User>;
export const UserList = Type.Object({ data: Type.Array(User) });
export type UserList = Static<typeof UserList>;
export const UserIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const UpdateUserBody = Type.Object(
  {
    role: Type.Optional(Role),
    disabled: Type.Optional(
      Type.Boolean({ description: 'true ends every sign-in of the person at once; false lets them in again.' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const SetupBody = Type.Object(
  { token: OneTimeToken, email: Email, name: PersonName, password: Password },
  { additionalProperties: false },
);
export type SetupBody = Static<typeof SetupBody>;

export const CreateInvitationBody = Type.Object({ email: Email, role: Role }, { additionalProperties: false });
export type CreateInvitationBody = Static<typeof CreateInvitationBody>;
export const Invitation = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: Role,
  url: Type.String({ description: 'The one-time link to give the person: `<public URL>/invite#token=…`.' }),
  expiresAt: Type.String({ format: 'date-time' }),
  emailed: Type.Boolean({
    description:
      'Whether the link was also e-mailed to the person, through the mail server of `SWITCHBOARD_SMTP_URL`. False when none is set, or when sending failed: give them `url` yourself.',
  }),
  emailError: Nullable(
    Type.String({
      description:
        'Why the e-mail was not sent although a mail server is set, in words (`the mail server smtp.example.com:587 refused the connection …`); null when it was sent or no mail server is set.',
    }),
  ),
});
export type Invitation = Static<typeof Invitation>;

export const AcceptInvitationBody = Type.Object(
  { token: OneTimeToken, name: PersonName, password: Password },
  { additionalProperties: false },
);
export type AcceptInvitationBody = Static<typeof AcceptInvitationBody>;

export const AuthSession = Type.Object({
  id: Type.String(),
  method: StringEnum(['password', 'setup', 'invitation', 'oidc'] as const, {
    description: 'How the person signed in.',
  }),
  userAgent: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  lastSeenAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  current: Type.Boolean({ description: 'The sign-in this request was made with.' }),
});
export type AuthSession = Static<typeof AuthSession>;
export const AuthSessionList = Type.Object({ data: Type.Array(AuthSession) });
export type AuthSessionList = Static<typeof AuthSessionList>;
export const AuthSessionIdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ maxLength: 254, description: 'A user id, key id, e-mail or key name.' })),
    action: Type.Optional(
      Type.String({ maxLength: 64, description: 'An action (`user.updated`) or its group (`user`).' }),
    ),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    cursor: Type.Optional(Type.String({ maxLength: 128, description: 'From `nextCursor`.' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditActor = Type.Object({
  type: StringEnum(['user', 'key', 'system'] as const),
  id: Nullable(Type.String()),
  name: Type.String(),
});
export type AuditActor = Static<typeof AuditActor>;
export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: AuditActor,
  action: Type.String(),
  target: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEntry = Static<typeof AuditEntry>;
export const AuditList = Type.Object({
  data: Type.Array(AuditEntry),
  pagination: Type.Object({ limit: Type.Integer(), hasMore: Type.Boolean(), nextCursor: Nullable(Type.String()) }),
});
export type AuditList = Static<typeof AuditList>;
