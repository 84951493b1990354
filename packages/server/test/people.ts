/** Test helpers for team accounts: the first admin, invited people, and requests as a person. */
import assert from 'node:assert/strict';
import type { Role } from '@switchboard/contracts';
import type { InjectOptions } from 'fastify';
import { type Res, type TestContext, call } from './helpers.js';

export const PASSWORD = 'correct horse battery staple';

export interface Person {
  id: string;
  email: string;
  role: Role;
  /** The `sb_session` cookie's value. */
  cookie: string;
  /** A request signed in as this person (with the CSRF header the dashboard sends). */
  call(method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<Res>;
}

export function cookieOf(res: Res): string {
  const header = res.headers['set-cookie'];
  const line = (Array.isArray(header) ? header : [header]).find((c) => c?.startsWith('sb_session='));
  assert.ok(line, `no session cookie in ${res.statusCode} ${res.body}`);
  return line.split(';')[0].slice('sb_session='.length);
}

export function personFrom(t: TestContext, res: Res): Person {
  const me = res.json();
  const cookie = cookieOf(res);
  return {
    id: me.user.id,
    email: me.user.email,
    role: me.user.role,
    cookie,
    call: (method, url, body, headers = {}) =>
      call(t.app, null, method, url, body, { cookie: `sb_session=${cookie}`, 'x-switchboard-csrf': '1', ...headers }),
  };
}

export const tokenOf = (url: string) => url.slice(url.indexOf('#token=') + '#token='.length);

/** The first admin, made through the one-time setup link as a person would. */
export async function firstAdmin(
  t: TestContext,
  email = 'ada@example.com',
  name = 'Ada Admin',
  orgId = t.orgId,
): Promise<Person> {
  const url = await t.app.services.accounts.issueSetupLink(orgId);
  assert.ok(url, 'the organization already has people');
  const res = await call(t.app, null, 'POST', '/api/v1/auth/setup', {
    token: tokenOf(url),
    email,
    name,
    password: PASSWORD,
  });
  assert.equal(res.statusCode, 201, res.body);
  return personFrom(t, res);
}

/** A person invited by `admin` with `role`, who accepted and is signed in. */
export async function invited(
  t: TestContext,
  admin: Person,
  role: Role,
  email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`,
) {
  const inv = await admin.call('POST', '/api/v1/users/invitations', { email, role });
  assert.equal(inv.statusCode, 201, inv.body);
  const res = await call(t.app, null, 'POST', '/api/v1/auth/invitations/accept', {
    token: tokenOf(inv.json().url),
    name: `${role[0].toUpperCase()}${role.slice(1)} Person`,
    password: PASSWORD,
  });
  assert.equal(res.statusCode, 201, res.body);
  return personFrom(t, res);
}

export const login = (t: TestContext, email: string, password: string, remoteAddress = '127.0.0.1') =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ email, password }),
  }) as Promise<Res>;
