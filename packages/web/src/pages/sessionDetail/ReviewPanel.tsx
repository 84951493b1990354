import type { SessionDetail } from '@switchboard/client';
import { Check, Keyboard, X } from 'lucide-react';
import { type FormEvent, useLayoutEffect, useRef, useState } from 'react';
import {
  useDeleteNoteMutation,
  useNoteMutation,
  useReviewedMutation,
  useScoreMutation,
  useTagMutation,
} from '../../api/review';
import { RelativeTime } from '../../components/RelativeTime';
import { Button, Card, CardHeader, cx } from '../../components/ui';

const TAG_RE = /^[a-z0-9][a-z0-9_.:-]{0,39}$/;
/** The score the panel offers by default: a 1–5 rating of how the conversation went. */
const QUALITY = 'quality';

/** True when a key press belongs to something the user is typing in. */
const typing = (e: KeyboardEvent) => {
  const el = e.target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
};

export const REVIEW_KEYS: Array<[string, string]> = [
  ['j', 'Next session of the list'],
  ['k', 'Previous session of the list'],
  ['r', 'Mark reviewed (again: clear the mark)'],
  ['t', 'Add a tag'],
  ['?', 'Show these keys'],
];

/**
 * Review of one session: the reviewed mark, tags, a quality score and notes, with the keys of the
 * review loop (`r` mark reviewed, `t` tag, `?` the keys; `j`/`k` live in ListNavigation).
 */
export function ReviewPanel({ s }: { s: SessionDetail }) {
  const reviewed = useReviewedMutation(s.id);
  const tag = useTagMutation(s.id);
  const score = useScoreMutation(s.id);
  const note = useNoteMutation(s.id);
  const delNote = useDeleteNoteMutation(s.id);
  const tagInput = useRef<HTMLInputElement>(null);
  const [tagText, setTagText] = useState('');
  const [tagError, setTagError] = useState('');
  const [noteText, setNoteText] = useState('');
  const [help, setHelp] = useState(false);
  const isReviewed = s.reviewedAt !== null;

  // Listening from the commit that shows the panel, not a frame later: a key pressed as soon as the
  // session appears (j, then r at once) must not fall between the two.
  useLayoutEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.metaKey || e.ctrlKey || e.altKey || typing(e)) return;
      if (e.key === 'r' && !reviewed.isPending) {
        e.preventDefault();
        reviewed.mutate(!isReviewed);
      } else if (e.key === 't') {
        e.preventDefault();
        tagInput.current?.focus();
      } else if (e.key === '?') {
        e.preventDefault();
        setHelp((h) => !h);
      } else if (e.key === 'Escape') setHelp(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [isReviewed, reviewed]);

  const addTag = (e: FormEvent) => {
    e.preventDefault();
    const t = tagText.trim().toLowerCase();
    if (!t) return;
    if (!TAG_RE.test(t)) {
      setTagError('Letters, digits and _ . : - only, starting with a letter or digit (at most 40).');
      return;
    }
    if (s.tags.length >= 20 && !s.tags.includes(t)) {
      setTagError('A session holds at most 20 tags.');
      return;
    }
    setTagError('');
    tag.mutate({ addTags: [t] }, { onSuccess: () => setTagText('') });
  };

  const addNote = (e: FormEvent) => {
    e.preventDefault();
    if (!noteText.trim()) return;
    note.mutate(noteText, { onSuccess: () => setNoteText('') });
  };

  const quality = s.scores[QUALITY];
  const others = s.scoreDetails.filter((d) => d.name !== QUALITY);

  return (
    <Card data-testid="review-panel">
      <CardHeader title="Review">
        <Button
          size="icon-sm"
          variant="ghost"
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (?)"
          onClick={() => setHelp((h) => !h)}
        >
          <Keyboard className="size-4" aria-hidden="true" />
        </Button>
      </CardHeader>
      {help && (
        <div role="dialog" aria-label="Keyboard shortcuts" className="border-b border-slate-200 bg-slate-50 px-5 py-3">
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm">
            {REVIEW_KEYS.map(([key, what]) => (
              <div key={key} className="contents">
                <dt>
                  <kbd className="rounded border border-slate-300 bg-white px-1.5 font-mono text-xs text-slate-700">
                    {key}
                  </kbd>
                </dt>
                <dd className="text-slate-600">{what}</dd>
              </div>
            ))}
          </dl>
        </div>
      )}
      <div className="flex flex-col gap-5 px-5 py-4">
        <section aria-label="Reviewed" className="flex flex-wrap items-center justify-between gap-2">
          <p className="text-sm text-slate-600" data-testid="reviewed">
            {isReviewed ? (
              <>
                <Check className="mr-1 inline size-4 text-green-600" aria-hidden="true" />
                Reviewed by <span className="font-medium text-slate-900">{s.reviewedBy?.name}</span>{' '}
                <RelativeTime iso={s.reviewedAt as string} />
              </>
            ) : (
              'Not reviewed yet'
            )}
          </p>
          <Button
            size="sm"
            variant={isReviewed ? 'ghost' : 'primary'}
            disabled={reviewed.isPending}
            onClick={() => reviewed.mutate(!isReviewed)}
            title={isReviewed ? 'Clear the mark (r)' : 'Mark reviewed (r)'}
          >
            {isReviewed ? 'Clear mark' : 'Mark reviewed'}
          </Button>
        </section>

        <section aria-label="Tags">
          <h3 className="mb-2 text-xs font-medium text-slate-500">Tags</h3>
          <ul className="flex flex-wrap gap-1.5" data-testid="tags">
            {s.tags.length === 0 && <li className="text-sm text-slate-500">No tags</li>}
            {s.tags.map((t) => (
              <li
                key={t}
                className="inline-flex items-center gap-1 rounded-md border border-indigo-200 bg-indigo-50 py-0.5 pr-1 pl-2 text-xs font-medium text-indigo-700"
              >
                {t}
                <button
                  type="button"
                  aria-label={`Remove tag ${t}`}
                  className="rounded p-0.5 hover:bg-indigo-100"
                  onClick={() => tag.mutate({ removeTags: [t] })}
                >
                  <X className="size-3" aria-hidden="true" />
                </button>
              </li>
            ))}
          </ul>
          <form onSubmit={addTag} className="mt-2 flex gap-2">
            <input
              ref={tagInput}
              value={tagText}
              onChange={(e) => {
                setTagText(e.target.value);
                setTagError('');
              }}
              aria-label="Add a tag"
              placeholder="Add a tag (t)"
              maxLength={40}
              className="h-8 min-w-0 flex-1 rounded-lg border border-slate-300 bg-white px-2.5 text-sm text-slate-900 placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none"
            />
            <Button size="sm" type="submit" disabled={tag.isPending}>
              Add
            </Button>
          </form>
          {(tagError || tag.error) && (
            <p role="alert" className="mt-1 text-xs text-red-700">
              {tagError || tag.error?.message}
            </p>
          )}
        </section>

        <section aria-label="Scores">
          <h3 className="mb-2 text-xs font-medium text-slate-500">Quality</h3>
          <fieldset className="flex gap-1" aria-label="Quality score">
            {[1, 2, 3, 4, 5].map((n) => (
              <button
                key={n}
                type="button"
                aria-pressed={quality === n}
                aria-label={`Quality ${n} of 5`}
                onClick={() => score.mutate({ name: QUALITY, value: n })}
                className={cx(
                  'size-8 rounded-lg border text-sm font-medium tabular-nums',
                  typeof quality === 'number' && n <= quality
                    ? 'border-amber-300 bg-amber-50 text-amber-800'
                    : 'border-slate-200 bg-white text-slate-500 hover:bg-slate-50',
                )}
              >
                {n}
              </button>
            ))}
          </fieldset>
          {others.length > 0 && (
            <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-sm" data-testid="scores">
              {others.map((d) => (
                <div key={d.name} className="contents">
                  <dt className="font-mono text-xs text-slate-500">{d.name}</dt>
                  <dd className="text-slate-900" title={`${d.author.name}${d.comment ? ` — ${d.comment}` : ''}`}>
                    {String(d.value)}
                  </dd>
                </div>
              ))}
            </dl>
          )}
        </section>

        <section aria-label="Notes">
          <h3 className="mb-2 text-xs font-medium text-slate-500">Notes</h3>
          <ul className="flex flex-col gap-2" data-testid="notes">
            {s.notes.map((n) => (
              <li key={n.id} className="rounded-lg bg-slate-50 px-3 py-2">
                {/* Plain text: React writes it as text, never as HTML. */}
                <p className="text-sm break-words whitespace-pre-wrap text-slate-800" data-testid="note-body">
                  {n.body}
                </p>
                <p className="mt-1 flex items-center justify-between gap-2 text-xs text-slate-500">
                  <span>
                    {n.author.name} · <RelativeTime iso={n.createdAt} />
                  </span>
                  <button
                    type="button"
                    className="rounded px-1 text-slate-500 hover:bg-slate-200 hover:text-slate-900"
                    onClick={() => delNote.mutate(n.id)}
                  >
                    Delete
                  </button>
                </p>
              </li>
            ))}
          </ul>
          <form onSubmit={addNote} className="mt-2 flex flex-col gap-2">
            <textarea
              value={noteText}
              onChange={(e) => setNoteText(e.target.value)}
              aria-label="New note"
              placeholder="Add a note"
              maxLength={4096}
              rows={2}
              className="min-w-0 rounded-lg border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 placeholder:text-slate-400 focus:border-indigo-500 focus:outline-none"
            />
            <div className="flex items-center justify-between gap-2">
              {note.error ? (
                <p role="alert" className="text-xs text-red-700">
                  {note.error.message}
                </p>
              ) : (
                <span />
              )}
              <Button size="sm" type="submit" disabled={note.isPending || !noteText.trim()}>
                Add note
              </Button>
            </div>
          </form>
        </section>
      </div>
    </Card>
  );
}
