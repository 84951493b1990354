/**
 * The client suites run the SDK against a real server from the server's harness, listening on
 * a real port, once per dialect. `tap` wraps fetch so a test can count requests or make some of
 * them fail the way networks and overloaded servers do.
 */
import { DIALECTS, type TestContext, setup } from '../../server/test/helpers.js';
import { Switchboard, type SwitchboardOptions } from '../src/index.js';

export { DIALECTS };

export interface Served {
  t: TestContext;
  url: string;
  close(): Promise<void>;
}

export async function serve(
  dialect: (typeof DIALECTS)[number],
  opts: Parameters<typeof setup>[1] = {},
): Promise<Served> {
  // Webhooks may target NOWHERE, a reserved address the server otherwise refuses.
  const t = await setup(dialect, { webhooks: { allowPrivate: true }, ...opts });
  const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { t, url, close: () => t.close() };
}

export interface Call {
  method: string;
  path: string;
  /** Path and query. */
  url: string;
  status: number | 'error';
  headers: Record<string, string>;
  at: number;
  replayed: boolean;
}

/**
 * A fetch that records every call. `fault(call index, path)` may return a Response to send
 * instead of the server's, `'drop'` to forward the request and then fail as a network error
 * (the server did the work, the client never heard), or `'error'` to fail without sending.
 */
export function tap(fault?: (n: number, method: string, path: string) => Response | 'drop' | 'error' | undefined) {
  const calls: Call[] = [];
  const fetchImpl = async (input: string, init?: RequestInit): Promise<Response> => {
    const u = new URL(input);
    const method = init?.method ?? 'GET';
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const call: Call = {
      method,
      path: u.pathname,
      url: u.pathname + u.search,
      status: 'error',
      headers,
      at: Date.now(),
      replayed: false,
    };
    calls.push(call);
    const f = fault?.(calls.length, method, u.pathname);
    if (f === 'error') throw new TypeError('fetch failed (injected)');
    if (f instanceof Response) {
      call.status = f.status;
      return f;
    }
    const res = await fetch(input, init);
    call.status = res.status;
    call.replayed = res.headers.get('idempotent-replayed') === 'true';
    if (f === 'drop') {
      await res.arrayBuffer();
      throw new TypeError('fetch failed (response lost, injected)');
    }
    return res;
  };
  return {
    fetch: fetchImpl,
    calls,
    count: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path).length,
  };
}

export function client(s: Served, key: string, opts: SwitchboardOptions = {}) {
  return new Switchboard({ baseUrl: s.url, apiKey: key, retryBaseDelayMs: 20, retryMaxDelayMs: 200, ...opts });
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  ms = 10_000,
) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const problemResponse = (status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: 'about:blank', title: `Injected ${status}`, status }), {
    status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });

/**
 * A webhook endpoint nothing answers at: 192.0.2.0/24 is reserved for documentation (RFC 5737)
 * and never routed. The server refuses reserved targets unless allowed, as `serve` allows them.
 */
export const NOWHERE = 'http://192.0.2.1:9/hook';
