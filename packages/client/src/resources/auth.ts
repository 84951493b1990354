import type { RequestOptions, Transport } from '../http.js';
import type { AuthSession, Me } from '../types.js';

/**
 * `sb.auth`: the dashboard's sign-in. `login` trades an API key for an HttpOnly session cookie,
 * which only a browser keeps, so these are for pages on Switchboard's own origin created without
 * an `apiKey`. `me` works with a key too: it says which organization, key and scopes it carries.
 */
export class AuthApi {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * Signs the browser in with a person's e-mail and password, or with an API key: the server
   * sets the session cookie and answers with who that is. A wrong pair, or a wrong or revoked
   * key, rejects with an `AuthenticationError` (401); too many failures with a
   * `RateLimitError` (429) for a while.
   *
   * @example
   * const sb = new Switchboard();
   * const me = await sb.auth.login({ email: 'ada@example.com', password });
   * console.log(`Signed in to ${me.organization.name}`);
   */
  login(credentials: string | { email: string; password: string }, options: RequestOptions = {}): Promise<Me> {
    const body = typeof credentials === 'string' ? { key: credentials } : credentials;
    return this.transport.request('POST', '/auth/login', { body }, options);
  }

  /**
   * Creates the first admin from the one-time link the server prints at its first start
   * (`/setup#token=…`) and signs the browser in as them. A used or expired token rejects with an
   * `AuthenticationError` (401).
   *
   * @example
   * await sb.auth.setup({ token, email: 'ada@example.com', name: 'Ada', password });
   */
  setup(
    body: { token: string; email: string; name: string; password: string },
    options: RequestOptions = {},
  ): Promise<Me> {
    return this.transport.request('POST', '/auth/setup', { body }, options);
  }

  /**
   * Accepts an invitation (`/invite#token=…`): creates the invited person and signs them in.
   *
   * @example
   * await sb.auth.acceptInvitation({ token, name: 'Grace', password });
   */
  acceptInvitation(body: { token: string; name: string; password: string }, options: RequestOptions = {}): Promise<Me> {
    return this.transport.request('POST', '/auth/invitations/accept', { body }, options);
  }

  /**
   * The signed-in person's sign-ins, newest first; `current` marks this browser's.
   *
   * @example
   * const others = (await sb.auth.sessions()).filter((s) => !s.current);
   */
  async sessions(options: RequestOptions = {}): Promise<AuthSession[]> {
    const { data } = await this.transport.request<{ data: AuthSession[] }>('GET', '/auth/sessions', {}, options);
    return data;
  }

  /**
   * Ends one of the signed-in person's sign-ins: that browser is signed out at its next request.
   *
   * @example
   * await sb.auth.endSession(session.id);
   */
  async endSession(id: string, options: RequestOptions = {}): Promise<void> {
    await this.transport.request(
      'DELETE',
      `/auth/sessions/${encodeURIComponent(id)}`,
      { headers: { 'x-switchboard-csrf': '1' } },
      options,
    );
  }

  /**
   * Ends the dashboard session: the server forgets it and clears the cookie.
   *
   * @example
   * await sb.auth.logout();
   */
  async logout(options: RequestOptions = {}): Promise<void> {
    // The server asks every sign-out for its CSRF header, whether a key or a cookie signs it.
    await this.transport.request('POST', '/auth/logout', { headers: { 'x-switchboard-csrf': '1' } }, options);
  }

  /**
   * Who the cookie (or the `apiKey`) signs in as. Rejects with an `AuthenticationError` (401)
   * when nobody is signed in, which makes it the check for "show the sign-in page".
   *
   * @example
   * const { organization, scopes } = await sb.auth.me();
   * const isAdmin = scopes.includes('admin');
   */
  me(options: RequestOptions = {}): Promise<Me> {
    return this.transport.request('GET', '/auth/me', {}, options);
  }
}
