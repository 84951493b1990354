/** Small helpers for IP address text, shared by the SSRF guard and the sign-in limit. */
import { isIP } from 'node:net';

/** The eight 16-bit groups of a valid IPv6 address (a dotted IPv4 tail becomes two groups). */
export function ipv6Groups(address: string): number[] {
  let text = address;
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number);
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
}

/**
 * The network a client address stands for when counting its requests: an IPv4 address itself
 * (also when it arrives IPv4-mapped, `::ffff:a.b.c.d`), an IPv6 address's /64. One IPv6 host
 * usually holds a whole /64, so counting single addresses would give it 2^64 separate quotas.
 */
export function clientNetwork(address: string): string {
  const bare = address.replace(/%.*$/, '');
  if (isIP(bare) !== 6) return bare;
  const g = ipv6Groups(bare);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}
