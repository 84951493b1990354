import { tap } from './helpers.js';

/** A fetch that stores the session cookie like a browser and sends it back. */
export function browserLike() {
  const wire = tap();
  let cookie = '';
  const fetchImpl = async (input: string, init?: RequestInit): Promise<Response> => {
    const headers = new Headers(init?.headers);
    if (cookie && init?.credentials !== 'omit') headers.set('cookie', cookie);
    const res = await wire.fetch(input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      // The server clears the cookie on logout with an empty value and a date in the past.
      cookie = pair.endsWith('=') ? '' : pair;
    }
    return res;
  };
  return { fetch: fetchImpl, calls: wire.calls, hasCookie: () => cookie !== '' };
}
