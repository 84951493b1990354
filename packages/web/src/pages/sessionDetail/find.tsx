/**
 * Find in a transcript: the words of a transcript search (carried over from the list as `?find=`)
 * marked in every loaded message, "n of m" with previous and next, and a jump to the match in
 * focus. The transcript is paged, so a jump past what is loaded loads the next pages until it
 * reaches a match (or the end): the first match may be thousands of messages in.
 */
import { ChevronDown, ChevronUp, Search } from 'lucide-react';
import { LIMITS } from '@switchboard/contracts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Button, Input } from '../../components/ui';
import { useDebounced } from '../../lib/useDebounced';
import { hasWord, searchWords, wordsPattern } from '../../lib/words';
import type { MoreToLoad, TimelineItem } from '../SessionDetailPage';

type Seeking = 'first' | 'next' | null;

export interface Find {
  text: string;
  setText: (text: string) => void;
  pattern: RegExp | null;
  /** How many loaded messages match, and whether unloaded pages may hold more. */
  count: number;
  more: boolean;
  /** 0-based position of the match in focus among `count`, or -1. */
  position: number;
  /** Its index in the timeline, or -1. */
  currentIndex: number;
  seeking: boolean;
  next: () => void;
  previous: () => void;
}

export function useFind(
  timeline: TimelineItem[],
  more: MoreToLoad,
  committed: string,
  onCommit: (text: string) => void,
): Find {
  const [text, setTextState] = useState(committed);
  const debounced = useDebounced(text, 300);
  useEffect(() => {
    if (debounced.trim() !== committed.trim()) onCommit(debounced.trim());
  }, [debounced, committed, onCommit]);

  const pattern = useMemo(() => wordsPattern(searchWords(committed)), [committed]);
  const hits = useMemo(
    () =>
      pattern ? timeline.flatMap((t, i) => (t.kind === 'message' && hasWord(t.item.content, pattern) ? [i] : [])) : [],
    [timeline, pattern],
  );
  const [position, setPosition] = useState(-1);
  const [seeking, setSeeking] = useState<Seeking>(committed ? 'first' : null);
  // Bumped on every jump, so landing on the same match again scrolls to it again.
  const [jump, setJump] = useState(0);

  const lastCommitted = useRef(committed);
  useEffect(() => {
    if (committed === lastCommitted.current) return;
    lastCommitted.current = committed;
    setPosition(-1);
    setSeeking(committed ? 'first' : null);
  }, [committed]);

  const { hasMore, loading, failed, loadMore } = more;
  useEffect(() => {
    if (!seeking) return;
    const target = seeking === 'first' ? 0 : position + 1;
    if (hits.length > target) {
      setPosition(target);
      setSeeking(null);
      setJump((j) => j + 1);
    } else if (hasMore && !failed) {
      if (!loading) loadMore();
    } else {
      // The end of the transcript: "next" goes round to the first match.
      if (seeking === 'next' && hits.length > 0) {
        setPosition(0);
        setJump((j) => j + 1);
      }
      setSeeking(null);
    }
  }, [seeking, hits.length, position, hasMore, loading, failed, loadMore]);

  const currentIndex = position >= 0 && position < hits.length ? hits[position] : -1;
  useEffect(() => {
    if (jump === 0) return;
    // After the render that shows it (the timeline renders up to the match first), and again
    // while the rows above it are laid out (`content-visibility` guesses their height until
    // then, so the first scroll can land short): until it has stayed in view a few frames.
    let frame = 0;
    let frames = 0;
    let steady = 0;
    const step = () => {
      const el = document.querySelector('[data-match="current"]');
      if (el) {
        const r = el.getBoundingClientRect();
        if (r.top >= 0 && r.bottom <= window.innerHeight) steady++;
        else {
          steady = 0;
          el.scrollIntoView({ block: 'center' });
        }
      }
      if (steady < 3 && ++frames < 60) frame = requestAnimationFrame(step);
    };
    frame = requestAnimationFrame(step);
    return () => cancelAnimationFrame(frame);
  }, [jump]);

  const next = useCallback(() => setSeeking('next'), []);
  const previous = useCallback(() => {
    if (hits.length === 0) return;
    setPosition((p) => (p <= 0 ? hits.length - 1 : p - 1));
    setJump((j) => j + 1);
  }, [hits.length]);
  const setText = useCallback((t: string) => setTextState(t.slice(0, LIMITS.transcriptSearchLength)), []);

  return {
    text,
    setText,
    pattern,
    count: hits.length,
    more: hasMore,
    position: currentIndex >= 0 ? position : -1,
    currentIndex,
    seeking: seeking !== null,
    next,
    previous,
  };
}

export function FindBar({ find }: { find: Find }) {
  const { text, setText, pattern, count, more, position, seeking, next, previous } = find;
  const status = !pattern
    ? ''
    : seeking
      ? 'Searching the transcript…'
      : count === 0
        ? 'No match in this transcript'
        : `${position + 1} of ${count}${more ? '+' : ''}`;
  return (
    // Sticky: "next" stays at hand while reading down a long transcript (below the phone's top bar).
    <div className="sticky top-14 z-10 flex flex-wrap items-center gap-2 border-b border-slate-100 bg-white/95 px-3 py-2.5 backdrop-blur sm:px-5 md:top-0">
      <div className="min-w-40 flex-1">
        <Input
          icon={Search}
          size="sm"
          type="search"
          aria-label="Find in transcript"
          placeholder="Find in transcript…"
          value={text}
          maxLength={LIMITS.transcriptSearchLength}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              if (e.shiftKey) previous();
              else next();
            }
          }}
        />
      </div>
      {pattern && (
        <>
          <output className="min-w-20 text-xs text-slate-500 tabular-nums" aria-live="polite" data-testid="find-status">
            {status}
          </output>
          <div className="flex items-center gap-1">
            <Button
              size="icon-sm"
              variant="ghost"
              onClick={previous}
              disabled={count === 0}
              aria-label="Previous match"
            >
              <ChevronUp className="size-4" aria-hidden="true" />
            </Button>
            <Button
              size="icon-sm"
              variant="ghost"
              onClick={next}
              disabled={count === 0 && !more}
              aria-label="Next match"
            >
              <ChevronDown className="size-4" aria-hidden="true" />
            </Button>
          </div>
        </>
      )}
    </div>
  );
}
