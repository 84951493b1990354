import type { RequestOptions, Transport } from '../http.js';
import type { Invitation, Role, User } from '../types.js';

/** `sb.users`: the people of your organization (scope `admin`). */
export class UsersApi {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * Everyone, disabled people included, oldest first.
   *
   * @example
   * const admins = (await sb.users.list()).filter((u) => u.role === 'admin' && !u.disabledAt);
   */
  async list(options: RequestOptions = {}): Promise<User[]> {
    const { data } = await this.transport.request<{ data: User[] }>('GET', '/users', {}, options);
    return data;
  }

  /**
   * Changes a person's role, or disables them (every sign-in of theirs ends at once) or lets
   * them in again. The last active admin can be neither demoted nor disabled (422).
   *
   * @example
   * await sb.users.update(user.id, { role: 'reviewer' });
   * await sb.users.update(user.id, { disabled: true });
   */
  update(id: string, body: { role?: Role; disabled?: boolean }, options: RequestOptions = {}): Promise<User> {
    return this.transport.request('PATCH', `/users/${encodeURIComponent(id)}`, { body }, options);
  }

  /**
   * Invites a person: `url` (valid 7 days, once) lets them choose a name and password, and they
   * join with `role`. When the server has a mail server (`SWITCHBOARD_SMTP_URL`) it e-mails them
   * the link too; `emailed` says whether it did, `emailError` why not. Otherwise give them `url`.
   *
   * @example
   * const inv = await sb.users.invite({ email: 'grace@example.com', role: 'reviewer' });
   * if (!inv.emailed) console.log(`Send this link to ${inv.email}: ${inv.url}`, inv.emailError ?? '');
   */
  invite(body: { email: string; role: Role }, options: RequestOptions = {}): Promise<Invitation> {
    return this.transport.request('POST', '/users/invitations', { body }, options);
  }
}
