/**
 * The SSRF guard (docs/WEBHOOKS.md). A webhook URL is chosen by an API user, but the request leaves
 * from inside the operator's network, so an endpoint must not reach loopback, private, link-local
 * or cloud-metadata addresses. The check runs when a URL is registered and again on every send —
 * through a `lookup` that hands the socket only vetted addresses, so DNS that changes between the
 * check and the connection (rebinding) cannot slip an internal address through.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { ipv6Groups } from '../../lib/ip.js';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", incl. the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, incl. 169.254.169.254 metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1)
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation (TEST-NET-2)
  ['203.0.113.0', 24], // documentation (TEST-NET-3)
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
] as const)
  blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback and IPv4-compatible (deprecated: nothing legitimate uses them)
  ['64:ff9b:1::', 48], // local-use NAT64: where the IPv4 address sits depends on the operator's prefix
  ['100::', 64], // discard
  ['2001:2::', 48], // benchmarking
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['fc00::', 7], // unique local, incl. fd00:ec2::254 metadata
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const)
  blocked.addSubnet(net, prefix, 'ipv6');

const ipv4Of = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 addresses an IPv6 address carries, in the forms that deliver to them: a packet to
 * one of these reaches the IPv4 host through a translator or tunnel, so a private IPv4 address
 * must not slip through dressed as IPv6. Each is checked like the IPv4 address it stands for.
 */
function embeddedIPv4(g: number[]): string[] {
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d, IPv4-mapped (RFC 4291).
  if (zero(0, 5) && g[5] === 0xffff) return [ipv4Of(g[6], g[7])];
  // ::ffff:0:a.b.c.d, IPv4-translated (RFC 2765, SIIT).
  if (zero(0, 4) && g[4] === 0xffff && g[5] === 0) return [ipv4Of(g[6], g[7])];
  // 64:ff9b::a.b.c.d, the well-known NAT64 prefix (RFC 6052): DNS64 answers with these on
  // IPv6-only networks, so a public address embedded here stays a valid target.
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return [ipv4Of(g[6], g[7])];
  // 2002:AABB:CCDD::/48, 6to4 (RFC 3056): the site's IPv4 address follows the prefix.
  if (g[0] === 0x2002) return [ipv4Of(g[1], g[2])];
  // 2001:0:SSSS:SSSS:…:CCCC:CCCC, Teredo (RFC 4380): the server's address, and the client's
  // with every bit flipped.
  if (g[0] === 0x2001 && g[1] === 0) return [ipv4Of(g[2], g[3]), ipv4Of(~g[6] & 0xffff, ~g[7] & 0xffff)];
  return [];
}

/** True when an IP address is one a webhook must never be sent to. */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) {
    const groups = ipv6Groups(bare);
    if (groups.length !== 8) return true;
    if (embeddedIPv4(groups).some((v4) => blocked.check(v4, 'ipv4'))) return true;
    return blocked.check(bare, 'ipv6');
  }
  return true;
}

function resolveAll(hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );
}

/**
 * Why this URL may not be a webhook endpoint, or null when it may. Resolves the host: a name
 * whose addresses include any forbidden one is refused as a whole.
 */
export async function urlProblem(text: string, allowPrivate: boolean): Promise<string | null> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URL';
  if (url.username || url.password) return 'must not contain credentials';
  if (!url.hostname) return 'must name a host';
  if (allowPrivate) return null;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isForbiddenAddress(host) ? forbiddenMessage : null;
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(host);
  } catch {
    return `host "${host}" could not be resolved`;
  }
  if (addresses.length === 0) return `host "${host}" could not be resolved`;
  return addresses.some((a) => isForbiddenAddress(a.address)) ? forbiddenMessage : null;
}

const forbiddenMessage =
  'must not point to a loopback, private, link-local or metadata address (set SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE=true to allow)';

/**
 * A `lookup` for http.request that resolves as usual but passes on only allowed addresses, so
 * the socket connects to an address that was checked, not to a second, different answer.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const allowed = allowPrivate ? addresses : addresses.filter((a) => !isForbiddenAddress(a.address));
      if (allowed.length === 0) {
        const e = Object.assign(new Error(`refused: ${hostname} resolves only to forbidden addresses`), {
          code: 'EFORBIDDENADDRESS',
        });
        return callback(e, '', 0);
      }
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  };
}
