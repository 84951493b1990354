/** Request counters and latency for `GET /metrics`, in the Prometheus text format. */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

class Telemetry {
  private requests = new Map<string, number>();
  private histogram = new Array<number>(BUCKETS.length + 1).fill(0);
  private sum = 0;
  private count = 0;
  /** Requests between their headers arriving and their response finishing (or being cut). */
  inFlight = 0;
  /** Open client connections, and those refused for being over their address's cap. */
  connections = 0;
  refusedConnections = 0;

  observe(route: string, method: string, status: number, seconds: number) {
    const key = `method="${method}",route="${route}",status="${status}"`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    let i = BUCKETS.findIndex((b) => seconds <= b);
    if (i < 0) i = BUCKETS.length;
    this.histogram[i]++;
    this.sum += seconds;
    this.count++;
  }

  render(): string {
    const lines = [
      '# HELP switchboard_http_requests_total HTTP requests by route and status.',
      '# TYPE switchboard_http_requests_total counter',
    ];
    for (const [k, v] of this.requests) lines.push(`switchboard_http_requests_total{${k}} ${v}`);
    lines.push(
      '# HELP switchboard_http_request_duration_seconds Request latency.',
      '# TYPE switchboard_http_request_duration_seconds histogram',
    );
    let acc = 0;
    BUCKETS.forEach((b, i) => {
      acc += this.histogram[i];
      lines.push(`switchboard_http_request_duration_seconds_bucket{le="${b}"} ${acc}`);
    });
    lines.push(`switchboard_http_request_duration_seconds_bucket{le="+Inf"} ${this.count}`);
    lines.push(`switchboard_http_request_duration_seconds_sum ${this.sum}`);
    lines.push(`switchboard_http_request_duration_seconds_count ${this.count}`);
    lines.push(
      '# HELP switchboard_http_requests_in_flight Requests whose headers have arrived and whose response has not finished.',
      '# TYPE switchboard_http_requests_in_flight gauge',
      `switchboard_http_requests_in_flight ${this.inFlight}`,
      '# HELP switchboard_http_connections_open Open client connections.',
      '# TYPE switchboard_http_connections_open gauge',
      `switchboard_http_connections_open ${this.connections}`,
      '# HELP switchboard_http_connections_refused_total Connections refused: their address had too many open.',
      '# TYPE switchboard_http_connections_refused_total counter',
      `switchboard_http_connections_refused_total ${this.refusedConnections}`,
    );
    const mem = process.memoryUsage();
    lines.push('# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${mem.rss}`);
    lines.push('# TYPE nodejs_heap_used_bytes gauge', `nodejs_heap_used_bytes ${mem.heapUsed}`);
    lines.push('# TYPE process_uptime_seconds gauge', `process_uptime_seconds ${process.uptime()}`);
    return `${lines.join('\n')}\n`;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    telemetry: Telemetry;
  }
}

export const telemetryPlugin = fp(
  async (app: FastifyInstance) => {
    const t = new Telemetry();
    app.decorate('telemetry', t);
    app.addHook('onRequest', async (_req, reply) => {
      t.inFlight++;
      // Fires once the response has finished, or the connection went away first.
      reply.raw.once('close', () => t.inFlight--);
    });
    app.addHook('onResponse', async (req, reply) => {
      t.observe(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode, reply.elapsedTime / 1000);
    });
  },
  { name: 'telemetry' },
);
