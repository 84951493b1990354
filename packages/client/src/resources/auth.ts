import type { RequestOptions, Transport } from '../http.js';
import type { Me } from '../types.js';

/**
 * `sb.auth`: the dashboard's sign-in. `login` trades an API key for an HttpOnly session cookie,
 * which only a browser keeps, so these are for pages on Switchboard's own origin created without
 * an `apiKey`. `me` works with a key too: it says which organization, key and scopes it carries.
 */
export class AuthApi {
  /** @internal */
  constructor(private readonly transport: Transport) {}

  /**
   * Signs the browser in with an API key: the server sets the session cookie and answers with
   * who that is. A wrong or revoked key rejects with an `AuthenticationError` (401), a malformed
   * one with a `ValidationError` (400) listing the field.
   *
   * @example
   * const sb = new Switchboard();
   * const me = await sb.auth.login(pastedKey);
   * console.log(`Signed in to ${me.organization.name}`);
   */
  login(key: string, options: RequestOptions = {}): Promise<Me> {
    return this.transport.request('POST', '/auth/login', { body: { key } }, options);
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
