/**
 * Paged lists (sessions, webhook deliveries): `limit` rows from `offset`, or, with a `cursor`,
 * after the last row of the previous page. A cursor is opaque to clients: base64url JSON of the
 * list's position after that row plus the row offset `n` the next page starts at. Clients keep
 * cursors between requests (and across upgrades), so a list's position fields may be added to
 * but never renamed or reinterpreted.
 */
import type { Pagination } from '@switchboard/contracts';
import { badRequest } from './errors.js';

/** The fields of a cursor other than `n`, as the list that issued it wrote them. */
export type CursorFields = Record<string, unknown>;

export interface PageQuery {
  limit: number;
  offset: number;
  cursor?: string;
}

/** Where a page starts: a row offset, and with a cursor the list's own position too. */
export interface PageStart<P> {
  limit: number;
  offset: number;
  after?: P;
}

/**
 * The furthest row offset a cursor may carry: the `offset` parameter's own maximum. A forged
 * negative or huge `n` went to the database as is (PostgreSQL: "OFFSET must not be negative",
 * "bigint out of range", a 500).
 */
export const MAX_CURSOR_OFFSET = 100_000_000;

export function encodeCursor(position: CursorFields, offset: number): string {
  return Buffer.from(JSON.stringify({ ...position, n: offset })).toString('base64url');
}

/**
 * Reads `query.cursor` (if any) with the list's own `position` reader, which returns undefined
 * for fields it did not write (another sort, a forged value). A cursor that is not one of ours
 * is a 400 on `cursor`; `issuedFor` names what else it must match, e.g. ' for this sort'.
 */
export function pageStart<P>(
  query: PageQuery,
  position: (fields: CursorFields) => P | undefined,
  issuedFor = '',
): PageStart<P> {
  const { limit, offset, cursor } = query;
  if (!cursor) return { limit, offset };
  try {
    const fields: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof fields === 'object' && fields !== null && !Array.isArray(fields)) {
      const n = (fields as CursorFields).n;
      const after = position(fields as CursorFields);
      if (Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_CURSOR_OFFSET && after !== undefined)
        return { limit, offset: n as number, after };
    }
  } catch {}
  throw badRequest([
    {
      path: 'cursor',
      message: `is not a cursor this server issued${issuedFor} (take nextCursor from the previous page)`,
    },
  ]);
}

/**
 * A page of `rows` (at most `limit` of them, from `start.offset`) out of `total`, each shown as
 * `item`. `nextCursor` holds `position(last row)`, and is null on the last page.
 */
export function pageOf<Row, Item>(
  rows: Row[],
  total: number,
  start: { limit: number; offset: number },
  item: (row: Row) => Item,
  position: (last: Row) => CursorFields,
): { data: Item[]; pagination: Pagination } {
  const { limit, offset } = start;
  const hasMore = offset + rows.length < total;
  const last = rows.at(-1);
  return {
    data: rows.map(item),
    pagination: {
      total,
      limit,
      offset,
      hasMore,
      nextCursor: hasMore && last !== undefined ? encodeCursor(position(last), offset + rows.length) : null,
    },
  };
}
