import type { ReactNode } from 'react';

/** `text` with every whole-word occurrence of the pattern's words marked. */
export function Highlight({ text, pattern }: { text: string; pattern: RegExp | null }) {
  if (!pattern) return <>{text}</>;
  const parts: ReactNode[] = [];
  let last = 0;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m[0] === '') {
      pattern.lastIndex++;
      continue;
    }
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(
      <mark key={m.index} className="rounded-sm bg-amber-200 px-0.5 text-slate-900" data-match="">
        {m[0]}
      </mark>,
    );
    last = m.index + m[0].length;
  }
  pattern.lastIndex = 0;
  if (last < text.length) parts.push(text.slice(last));
  return <>{parts}</>;
}
