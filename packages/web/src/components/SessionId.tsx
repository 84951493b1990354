import { Link } from 'react-router-dom';
import { CopyButton, cx } from './ui';

/**
 * The part of a session id that tells it apart from its neighbours. Ids the server makes (and
 * the SDK's) are UUIDv7: their first 12 hex digits are the creation time in milliseconds, so a
 * busy minute's ids all start alike and differ in their random tail. Ids agents choose tend the
 * same way (`call-2024-06-01-000123`, `conv_…`): a shared prefix, a distinct end. So a long id
 * shows its last 8 characters; a short one shows whole.
 */
export function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}

/**
 * A session id as the distinguishing part, with the full id on hover (`title`) and a copy
 * button; a link to the session when `to` is given.
 */
export function SessionId({
  id,
  to,
  linkState,
  reveal,
  className,
}: {
  id: string;
  to?: string;
  /** Router state for the link (where "Back to sessions" returns). */
  linkState?: unknown;
  /** Inside a table row (a `group`): the copy button shows when the row is hovered or focused. */
  reveal?: boolean;
  className?: string;
}) {
  const text = <span className="font-mono text-[13px] tabular-nums">{shortId(id)}</span>;
  return (
    <span className={cx('inline-flex min-w-0 items-center gap-0.5', className)} data-session-id-label={id}>
      {to ? (
        <Link
          to={to}
          state={linkState}
          // The row (or card) around it is the keyboard target; this is for ⌘/Ctrl-click and middle-click.
          tabIndex={-1}
          onClick={(e) => e.stopPropagation()}
          className="truncate text-slate-700 hover:text-indigo-700 hover:underline"
          title={id}
        >
          {text}
        </Link>
      ) : (
        <span className="truncate text-slate-700" title={id}>
          {text}
        </span>
      )}
      <CopyButton
        value={id}
        label="Copy session ID"
        className={cx(
          'size-6 shrink-0 text-slate-400 [&_svg]:size-3.5',
          reveal && 'opacity-0 group-focus-within:opacity-100 group-hover:opacity-100 focus-visible:opacity-100',
        )}
        stopPropagation
      />
    </span>
  );
}
