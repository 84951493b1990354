/**
 * Text from the API, made safe to print to a terminal. Message content and agent names come from
 * whoever talks to the agents, and a terminal obeys the escape sequences in what it prints:
 * `ESC ] 0 ; … BEL` retitles the window, `ESC [ 2 J` clears the screen, OSC 52 writes the
 * clipboard, OSC 8 disguises links, and bidirectional overrides make text read other than it is.
 * Every such character is printed as its escape (`\x1b`, `\x07`, `\u202e`) instead.
 */

/**
 * C0 controls, DEL, C1 controls (`\x9b` is a one-byte CSI), the bidirectional marks, embeddings,
 * overrides and isolates, and the Unicode line and paragraph separators.
 */
function isUnsafe(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x061c ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x2028 && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

const escapeOf = (code: number) =>
  code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;

/** `text` with every control and bidirectional character written as its escape. */
export function printable(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isUnsafe(code)) continue;
    out += text.slice(from, i) + escapeOf(code);
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
