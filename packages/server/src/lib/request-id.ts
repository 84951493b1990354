import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What an incoming id may look like: up to 128 letters, digits and `_ . : = + / @ -`, which
 * covers UUIDs, ULIDs and the trace ids proxies add. Anything else (a megabyte, markup, spaces)
 * is replaced, so an id is always safe to log, echo in a header and put in a problem document.
 */
const SAFE_ID = /^[\w.:=+/@-]{1,128}$/;

/**
 * The id of a request: the caller's `x-request-id` when it is sane, so one id follows a request
 * through a proxy, Switchboard's logs and the client's error; otherwise a new UUID.
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : newRequestId();
}

export const newRequestId = (): string => randomUUID();
