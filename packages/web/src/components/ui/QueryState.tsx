/**
 * The states of one query around what it renders: a spinner until the first answer, an error
 * with Retry when there is nothing to show, and otherwise the data (with a "Refresh failed" line
 * above it when a later refetch failed, since stale rows beat an empty box).
 */
import type { ReactNode } from 'react';
import { isRefused } from '../../api/client';
import { Button } from './Button';
import { ErrorAlert, Spinner } from './Feedback';

/** The part of a TanStack Query result this needs. */
interface QueryLike<T> {
  data: T | undefined;
  error: Error | null;
  isPending: boolean;
  isError: boolean;
  refetch: () => unknown;
}

export function QueryState<T>({
  query,
  label,
  errorTitle,
  className,
  errorClassName,
  staleClassName = 'border-b border-red-100 p-3',
  testId,
  renderError,
  isEmpty,
  empty,
  children,
}: {
  query: QueryLike<T>;
  /** The spinner's text: "Loading keys…". */
  label: string;
  errorTitle: string;
  /** Classes of the spinner (its height in the layout). */
  className?: string;
  /** Classes of a box around the error (its padding in a card). */
  errorClassName?: string;
  /** Classes of the box around "Refresh failed" (a bar across the top of a card by default). */
  staleClassName?: string;
  /** `data-testid` of the spinner. */
  testId?: string;
  /** A page's own error view (a 404, say); return undefined for the standard one. */
  renderError?: (error: Error) => ReactNode | undefined;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Spinner label={label} className={className} data-testid={testId} />;
  const { data, error } = query;
  if (data === undefined) {
    const own = error && renderError?.(error);
    if (own) return own;
    const alert = (
      <ErrorAlert
        title={errorTitle}
        message={error?.message ?? 'Unknown error'}
        action={
          // A refusal (a 4xx) says what to change; asking again would only be refused again.
          isRefused(error) ? undefined : (
            <Button size="sm" onClick={() => query.refetch()}>
              Retry
            </Button>
          )
        }
      />
    );
    return errorClassName ? <div className={errorClassName}>{alert}</div> : alert;
  }
  return (
    <>
      {query.isError && error && (
        <div className={staleClassName}>
          <ErrorAlert message={`Refresh failed: ${error.message}`} />
        </div>
      )}
      {isEmpty?.(data) ? empty : children(data)}
    </>
  );
}
