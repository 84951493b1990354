/**
 * A real OpenID Connect issuer for tests (oidc-provider with its development login and consent
 * pages) and a screenless browser that can walk through them. Used by the server's SSO tests and
 * the dashboard's browser test.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

export interface Issuer {
  url: string;
  /** Seconds an authorization code lives. */
  codeTtl: number;
  close(): Promise<void>;
}

/** People the issuer knows, by the login typed on its page. */
export const ISSUER_PEOPLE: Record<string, { email: string; email_verified: boolean; name: string }> = {
  grace: { email: 'grace@example.com', email_verified: true, name: 'Grace Hopper' },
  mallory: { email: 'mallory@example.com', email_verified: true, name: 'Mallory' },
  ursula: { email: 'ursula@example.com', email_verified: false, name: 'Ursula Unverified' },
  nina: { email: 'nina@example.com', email_verified: true, name: 'Nina New' },
};

export async function startIssuer(callback: string): Promise<Issuer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const state = { codeTtl: 60 };
  const provider = new Provider(url, {
    clients: [
      {
        client_id: 'switchboard',
        client_secret: 'switchboard-client-secret',
        redirect_uris: [callback],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: (_ctx: unknown, sub: string) =>
      ISSUER_PEOPLE[sub] ? { accountId: sub, claims: () => ({ sub, ...ISSUER_PEOPLE[sub] }) } : undefined,
    ttl: { AuthorizationCode: () => state.codeTtl },
    cookies: { keys: ['a test key for the issuer cookies'] },
  });
  const server: Server = provider.listen(port, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url,
    get codeTtl() {
      return state.codeTtl;
    },
    set codeTtl(v: number) {
      state.codeTtl = v;
    },
    close: () => new Promise((r) => server.close(() => r(undefined))),
  };
}

/** A browser without a screen: cookies per origin, redirects followed by hand, forms posted. */
export class FormBrowser {
  private jars = new Map<string, Map<string, string>>();

  cookie(origin: string, name: string) {
    return this.jars.get(origin)?.get(name);
  }

  setCookie(origin: string, name: string, value: string) {
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    jar.set(name, value);
    this.jars.set(origin, jar);
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const { origin } = new URL(url);
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar);
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const [name, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      const gone =
        value === '' || attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=thu, 01 jan 1970/i.test(a.trim()));
      if (gone) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects from `url` until a page answers, or until `stopAt` says a URL is far enough. */
  async follow(
    url: string,
    init?: RequestInit,
    stopAt?: (u: string) => boolean,
  ): Promise<{ url: string; res?: Response }> {
    let next = url;
    let options = init;
    for (let i = 0; i < 20; i++) {
      if (stopAt?.(next)) return { url: next };
      const res = await this.request(next, options);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { url: next, res };
      await res.body?.cancel();
      next = new URL(location, next).href;
      options = undefined;
    }
    throw new Error('too many redirects');
  }

  /** Posts the page's one form with these fields, then follows. */
  async submit(page: { url: string; res?: Response }, fields: Record<string, string>, stopAt?: (u: string) => boolean) {
    const html = (await page.res?.text()) ?? '';
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    assert.ok(action, `no form on ${page.url}: ${html.slice(0, 300)}`);
    return this.follow(
      new URL(action.replace(/&amp;/g, '&'), page.url).href,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      },
      stopAt,
    );
  }
}
