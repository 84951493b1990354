/**
 * SSO with any OpenID Connect issuer (docs/SECURITY.md#single-sign-on): the authorization code
 * flow with PKCE (S256), a state bound to the browser by a short-lived cookie and kept (as its
 * SHA-256) for one use, and a nonce checked in the ID token. The person is the issuer's verified
 * e-mail address: an existing user, an invited one, or (with a default role) a new one.
 */
import * as oidc from 'openid-client';
import { ApiError } from '../lib/errors.js';
import type { Store } from '../store/db.js';
import { findOrgByName } from '../store/orgs.js';
import type { UserRow } from '../store/schema.js';
import { insertOidcState, takeOidcState } from '../store/users.js';
import { type AccountService, tokenHash } from './accounts.js';

export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  defaultRole?: 'viewer' | 'reviewer' | 'admin';
  /** The organization people join (`default`). */
  organization?: string;
}

/** A round trip has this long to come back from the issuer. */
const STATE_TTL_MS = 10 * 60_000;

/** Why an SSO sign-in was refused: the dashboard's sign-in page explains each. */
export type SsoFailure = 'state' | 'issuer' | 'unverified' | 'not-invited' | 'unavailable';

export class SsoError extends Error {
  constructor(
    readonly reason: SsoFailure,
    message: string,
  ) {
    super(message);
  }
}

export class OidcService {
  private config?: Promise<oidc.Configuration>;

  constructor(
    private readonly store: Store,
    private readonly accounts: AccountService,
    private readonly opts: OidcOptions,
    private readonly publicUrl: string,
  ) {}

  get redirectUri() {
    return `${this.publicUrl.replace(/\/$/, '')}/api/v1/auth/oidc/callback`;
  }

  /** The issuer's metadata, discovered once (again after a failure). */
  private discover(): Promise<oidc.Configuration> {
    if (!this.config) {
      const url = new URL(this.opts.issuer);
      const local = url.protocol === 'http:';
      this.config = oidc
        .discovery(
          url,
          this.opts.clientId,
          undefined,
          oidc.ClientSecretBasic(this.opts.clientSecret),
          // Plain http is allowed for an issuer on this machine only (config.ts refuses others).
          local ? { execute: [oidc.allowInsecureRequests] } : undefined,
        )
        .catch((err) => {
          this.config = undefined;
          throw err;
        });
    }
    return this.config;
  }

  /** The issuer's authorization URL for a new round trip, and the state its cookie must carry. */
  async start(): Promise<{ url: string; state: string; maxAgeSeconds: number }> {
    let config: oidc.Configuration;
    try {
      config = await this.discover();
    } catch {
      throw new ApiError(503, 'sso-unavailable', 'The SSO issuer cannot be reached right now; try again shortly.');
    }
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    await insertOidcState(
      this.store.db,
      { stateHash: tokenHash(state), nonce, codeVerifier },
      Date.now(),
      STATE_TTL_MS,
    );
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state, maxAgeSeconds: STATE_TTL_MS / 1000 };
  }

  /**
   * The issuer sent the browser back: checks the state against the browser's cookie and the
   * stored one (once), exchanges the code with the PKCE verifier, checks the ID token (issuer,
   * audience, signature, expiry, nonce) and returns the person it names.
   */
  async finish(query: URLSearchParams, cookieState: string | undefined): Promise<UserRow> {
    const state = query.get('state') ?? '';
    if (!cookieState || !state || cookieState !== state)
      throw new SsoError('state', 'the sign-in did not start in this browser, or was tampered with');
    const pending = await takeOidcState(this.store.db, tokenHash(state), Date.now());
    if (!pending) throw new SsoError('state', 'the sign-in expired or was already used');
    if (query.has('error')) throw new SsoError('issuer', `the issuer refused: ${query.get('error')}`);
    let config: oidc.Configuration;
    try {
      config = await this.discover();
    } catch {
      throw new SsoError('unavailable', 'the issuer cannot be reached');
    }
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, new URL(`${this.redirectUri}?${query}`), {
        pkceCodeVerifier: pending.code_verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const id = tokens.claims();
      claims = id;
      // Many issuers put the e-mail in the ID token; a strictly conforming one only in userinfo.
      if (id && typeof id.email !== 'string')
        claims = { ...id, ...(await oidc.fetchUserInfo(config, tokens.access_token, id.sub)) };
    } catch (err) {
      throw new SsoError('issuer', `the issuer's answer was refused: ${(err as Error).message}`);
    }
    const email = typeof claims?.email === 'string' ? claims.email : '';
    if (!email || claims?.email_verified !== true)
      throw new SsoError('unverified', 'the issuer did not vouch for an e-mail address');
    const org = await findOrgByName(this.store.db, this.opts.organization ?? 'default');
    if (!org) throw new SsoError('not-invited', 'no organization to join');
    const name = typeof claims?.name === 'string' ? claims.name : email;
    const user = await this.accounts.ssoUser(org.id, email, name, this.opts.defaultRole);
    if (!user) throw new SsoError('not-invited', `${email} has not been invited`);
    return user;
  }
}
