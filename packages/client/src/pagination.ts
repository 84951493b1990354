import type { Pagination } from './types.js';

export interface Page<T> {
  data: T[];
  pagination: Pagination;
}

/**
 * Every item of a paged list, fetching the next page with the API's cursor only once the caller
 * has consumed the previous one. A cursor page costs the server the same at any depth, unlike an
 * offset, so iterating a long list to the end stays linear.
 */
export async function* paginate<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  for (;;) {
    const page = await fetchPage(cursor);
    yield* page.data;
    if (!page.pagination.hasMore || !page.pagination.nextCursor) return;
    cursor = page.pagination.nextCursor;
  }
}
