/**
 * Connections: how long a client may take, and how many it may hold open. Node's own defaults let
 * a client that sends one byte every 10 s keep a connection forever, unauthenticated; the
 * timeouts themselves are server options (app.ts, from config.ts's `HttpLimits`), this plugin
 * caps the connections each address holds open at once. Addresses trusted as proxies
 * (SWITCHBOARD_TRUST_PROXY) are exempt: every client behind them shares their address.
 */
import { BlockList, isIPv4, isIPv6, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { HttpLimits } from '../config.js';
import { ApiError } from '../lib/errors.js';
import { rawProblem } from './errors.js';

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client. */
const plainAddress = (address: string) =>
  address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;

/** Whether an address is one of the trusted proxies (true: every address is). */
export function proxyMatcher(trustProxy: boolean | string | undefined): (address: string) => boolean {
  if (trustProxy === true) return () => true;
  if (!trustProxy) return () => false;
  const list = new BlockList();
  for (const entry of trustProxy.split(',').map((e) => e.trim())) {
    if (!entry) continue;
    const [ip, bits] = entry.split('/');
    const type = isIPv6(ip) ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, type);
    else list.addSubnet(ip, Number(bits), type);
  }
  return (address) => {
    const plain = plainAddress(address);
    return list.check(plain, isIPv6(plain) ? 'ipv6' : 'ipv4');
  };
}

export const connectionsPlugin = fp(
  async (app: FastifyInstance, opts: { limits: HttpLimits; trustProxy?: boolean | string }) => {
    const cap = opts.limits.maxConnectionsPerAddress;
    const isProxy = proxyMatcher(opts.trustProxy);
    const open = new Map<string, number>();
    const refusal = () =>
      rawProblem(
        new ApiError(
          429,
          'too-many-connections',
          `This address already has ${cap} connections open; reuse them or retry shortly.`,
          undefined,
          { 'Retry-After': '5' },
        ),
      );

    // Prepended, so a refused connection is closed before Node's HTTP handling reads from it.
    app.server.prependListener('connection', (socket: Socket) => {
      const address = plainAddress(socket.remoteAddress ?? '');
      if (cap > 0 && !isProxy(address)) {
        const count = open.get(address) ?? 0;
        if (count >= cap) {
          app.telemetry.refusedConnections++;
          socket.write(refusal(), () => socket.destroy());
          return;
        }
        open.set(address, count + 1);
        socket.once('close', () => {
          const left = (open.get(address) ?? 1) - 1;
          if (left > 0) open.set(address, left);
          else open.delete(address);
        });
      }
      app.telemetry.connections++;
      socket.once('close', () => app.telemetry.connections--);
    });
  },
  { name: 'connections', dependencies: ['telemetry'] },
);
