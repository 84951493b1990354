import { ApiError, isForbidden } from '../api/client';
import { ErrorAlert } from './ui';

/** `/url`, `body/url` and `url` all name the body's `url` field. */
export const fieldPath = (path: string) => path.replace(/^\/?(body\/)?/, '');

/** A failed write: the problem document's message and every field error it lists. */
export function ProblemAlert({ title, error, className }: { title: string; error: Error; className?: string }) {
  const errors = error instanceof ApiError ? (error.problem?.errors ?? []) : [];
  return (
    <ErrorAlert
      className={className}
      title={title}
      message={isForbidden(error) ? 'This needs a key with the admin scope.' : error.message}
    >
      {errors.length > 0 && (
        <ul className="mt-1.5 list-disc space-y-0.5 pl-5 text-red-700" data-testid="field-errors">
          {errors.map((e) => (
            <li key={`${e.path}:${e.message}`}>
              <code className="font-mono text-xs">{fieldPath(e.path) || 'body'}</code> {e.message}
            </li>
          ))}
        </ul>
      )}
    </ErrorAlert>
  );
}
