/** The one cursor/page helper behind every paged list (sessions, webhook deliveries). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError } from '../../src/lib/errors.js';
import { type CursorFields, encodeCursor, pageOf, pageStart } from '../../src/lib/page.js';

const idOf = (c: CursorFields) => (typeof c.id === 'string' ? c.id : undefined);
const b64 = (text: string) => Buffer.from(text).toString('base64url');

function assertCursorRefused(fn: () => unknown, message = /is not a cursor this server issued/) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 400);
    assert.deepEqual(
      err.errors?.map((e) => e.path),
      ['cursor'],
    );
    assert.match(err.errors?.[0].message ?? '', message);
    return true;
  });
}

describe('lib/page', () => {
  test('a page without a cursor starts at its offset', () => {
    assert.deepEqual(pageStart({ limit: 20, offset: 40 }, idOf), { limit: 20, offset: 40 });
    assert.deepEqual(pageStart({ limit: 20, offset: 0, cursor: '' }, idOf), { limit: 20, offset: 0 });
  });

  test('nextCursor round-trips: the next page starts after the last row, at the next offset', () => {
    const rows = [{ id: 'c' }, { id: 'b' }];
    const page = pageOf(
      rows,
      5,
      { limit: 2, offset: 2 },
      (r) => r.id.toUpperCase(),
      (last) => ({ id: last.id }),
    );
    assert.deepEqual(page.data, ['C', 'B']);
    assert.deepEqual(
      { ...page.pagination, nextCursor: undefined },
      { total: 5, limit: 2, offset: 2, hasMore: true, nextCursor: undefined },
    );
    const cursor = page.pagination.nextCursor;
    assert.ok(cursor);
    // The offset given next to a cursor is ignored: the cursor knows where it is.
    assert.deepEqual(pageStart({ limit: 2, offset: 0, cursor }, idOf), { limit: 2, offset: 4, after: 'b' });
  });

  test('the last page has no nextCursor', () => {
    const last = pageOf(
      [{ id: 'a' }],
      5,
      { limit: 2, offset: 4 },
      (r) => r,
      (r) => ({ id: r.id }),
    );
    assert.equal(last.pagination.hasMore, false);
    assert.equal(last.pagination.nextCursor, null);
    const empty = pageOf(
      [],
      0,
      { limit: 2, offset: 0 },
      (r) => r,
      () => ({}),
    );
    assert.deepEqual(empty, {
      data: [],
      pagination: { total: 0, limit: 2, offset: 0, hasMore: false, nextCursor: null },
    });
  });

  test('cursors issued before the helper existed still read the same', () => {
    // Written byte for byte as the sessions list and the delivery log wrote them: clients hold these.
    const sessions = b64('{"s":"-startedAt","v":1733230000000,"k":42,"n":50}');
    const keyset = (c: CursorFields) =>
      c.s === '-startedAt' && (c.v === null || Number.isFinite(c.v)) && Number.isInteger(c.k)
        ? { value: c.v, pk: c.k }
        : undefined;
    assert.deepEqual(pageStart({ limit: 50, offset: 0, cursor: sessions }, keyset), {
      limit: 50,
      offset: 50,
      after: { value: 1733230000000, pk: 42 },
    });
    assert.equal(encodeCursor({ s: '-startedAt', v: 1733230000000, k: 42 }, 50), sessions);
    const deliveries = b64('{"id":"0193a0c4-0000-7000-8000-000000000000","n":20}');
    assert.deepEqual(pageStart({ limit: 20, offset: 0, cursor: deliveries }, idOf), {
      limit: 20,
      offset: 20,
      after: '0193a0c4-0000-7000-8000-000000000000',
    });
    assert.equal(encodeCursor({ id: '0193a0c4-0000-7000-8000-000000000000' }, 20), deliveries);
  });

  test('a tampered or made-up cursor is a 400 on `cursor`', () => {
    const good = encodeCursor({ id: 'b' }, 4);
    const tampered = [
      'garbage',
      `${good.slice(0, -3)}x`,
      b64('{"id":"b","n":"4"}'),
      b64('{"id":"b","n":4.5}'),
      b64('{"id":7,"n":4}'),
      b64('{"n":4}'),
      b64('[{"id":"b","n":4}]'),
      b64('null'),
      b64('4'),
    ];
    for (const cursor of tampered) assertCursorRefused(() => pageStart({ limit: 2, offset: 0, cursor }, idOf));
    // A real cursor whose position the list does not accept (here: issued for another sort).
    const other = encodeCursor({ s: 'messageCount', v: 3, k: 9 }, 2);
    assertCursorRefused(
      () =>
        pageStart(
          { limit: 2, offset: 0, cursor: other },
          (c) => (c.s === '-startedAt' ? c : undefined),
          ' for this sort',
        ),
      /issued for this sort/,
    );
  });
});
