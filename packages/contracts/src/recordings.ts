/**
 * The hosts a session's recording (`metadata.recordingUrl`) may be played from: the operator's
 * SWITCHBOARD_RECORDING_HOSTS. The URL in a transcript is whatever an integration sent; a player
 * that loaded any of them would let a sender learn when, and from where, someone opened the
 * session (a tracking beacon). The server writes the same list into the dashboard's
 * Content-Security-Policy as `media-src`, so the browser enforces it; the dashboard asks
 * `recordingAllowed` first, so it shows a player only where that policy lets it play. The
 * matching follows CSP host sources: one server, shared by both.
 */

/** `host`, `*.host` (subdomains only), either with `:port`, or `*` for any host. */
const HOST_SOURCE = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;

/**
 * The comma- or space-separated setting as a list of host sources, lower-cased. Throws with the
 * reason on anything else: a value here becomes part of a security header, so nothing but host
 * names, ports and the wildcards gets in.
 */
export function parseRecordingHosts(text: string): string[] {
  const hosts: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    const entry = raw.toLowerCase();
    if (entry === '') continue;
    if (entry !== '*' && !HOST_SOURCE.test(entry))
      throw new Error(
        `must be host names, each optionally *.-prefixed or with a :port (e.g. "media.example.com,*.cdn.example.net"), got "${raw}"`,
      );
    if (!hosts.includes(entry)) hosts.push(entry);
  }
  return hosts;
}

/**
 * Whether the browser may load `url` as media under `media-src <hosts>` on a page served over
 * `pageProtocol`: an http(s) URL on an allowed host, over the page's scheme or https, on the
 * entry's port (or the scheme's default port when the entry names none).
 */
export function recordingAllowed(url: string, hosts: readonly string[], pageProtocol: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && pageProtocol === 'http:')) return false;
  if (u.username || u.password) return false;
  const host = u.hostname.toLowerCase();
  return hosts.some((entry) => {
    if (entry === '*') return true;
    const colon = entry.lastIndexOf(':');
    const [name, port] = colon > 0 ? [entry.slice(0, colon), entry.slice(colon + 1)] : [entry, ''];
    // The URL parser leaves a scheme's default port out: compare it the same way.
    const defaultPort = u.protocol === 'https:' ? '443' : '80';
    if (u.port !== (port === defaultPort ? '' : port)) return false;
    return name.startsWith('*.') ? host.endsWith(name.slice(1)) : host === name;
  });
}
