/**
 * OTLP ingest load (`npm run bench -- --only otlp`): OpenTelemetry exports of GenAI spans as a
 * real SDK sends them. Each request is one conversation of TURNS model calls, one span each, and
 * every span repeats the conversation so far (its input) plus the new answer (its output), so a
 * request carries TURNS × 2 new messages among TURNS × (TURNS + 1) message copies. The server
 * stores each message once; the figure is new messages stored per second.
 */
import autocannon from 'autocannon';
import protobuf from 'protobufjs';
import { OTLP_DESCRIPTOR } from '../packages/server/src/lib/otlp/descriptor.js';
import type { Server } from './http.js';

export const TURNS = 20;
const Request = protobuf.Root.fromJSON(OTLP_DESCRIPTOR as unknown as protobuf.INamespace).lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
);

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: value } });
const parts = (text: string) => [{ type: 'text', content: text }];

/** One conversation of TURNS calls as a protobuf ExportTraceServiceRequest. */
export function otlpBody(conversationId: string): Buffer {
  const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
  const history: Array<{ role: string; parts: unknown[] }> = [];
  const spans = [];
  for (let turn = 0; turn < TURNS; turn++) {
    history.push({ role: 'user', parts: parts(`Question ${turn} of ${conversationId}: where is order ${turn}?`) });
    const answer = { role: 'assistant', parts: parts(`Order ${turn} ships tomorrow; tracking follows by email.`) };
    const start = t0 + BigInt(turn) * 2_000_000_000n;
    spans.push({
      traceId: Buffer.from(conversationId.padEnd(16, '0').slice(0, 16)),
      spanId: Buffer.from(`${turn}`.padStart(8, '0')),
      name: 'chat gpt-4o',
      kind: 3,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + 900_000_000n).toString(),
      attributes: [
        str('gen_ai.operation.name', 'chat'),
        str('gen_ai.conversation.id', conversationId),
        str('gen_ai.request.model', 'gpt-4o'),
        int('gen_ai.usage.input_tokens', 40 * (turn + 1)),
        int('gen_ai.usage.output_tokens', 12),
        str('gen_ai.input.messages', JSON.stringify(history)),
        str('gen_ai.output.messages', JSON.stringify([answer])),
      ],
    });
    history.push(answer);
  }
  const message = Request.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'bench-agent')] },
        scopeSpans: [{ scope: { name: 'bench' }, spans }],
      },
    ],
  });
  return Buffer.from(Request.encode(message).finish());
}

export interface OtlpResult {
  requests: number;
  failed: number;
  why?: string;
  messagesPerSecond: number;
  spansPerSecond: number;
  bodyBytes: number;
}

export async function otlpLoad(
  server: Server,
  run: string,
  opts: { seconds?: number; amount?: number; connections: number },
): Promise<OtlpResult> {
  let ok = 0;
  let bad = 0;
  let why: string | undefined;
  let n = 0;
  const result = await autocannon({
    url: server.url,
    connections: opts.connections,
    pipelining: 1,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.seconds }),
    timeout: 120,
    headers: { authorization: `Bearer ${server.key}`, 'content-type': 'application/x-protobuf' },
    requests: [
      {
        method: 'POST',
        path: '/api/otlp/v1/traces',
        setupRequest: (req) => ({ ...req, body: otlpBody(`${run}-${n++}`) as unknown as string }),
        onResponse: (status, body) => {
          // A fully accepted export answers 200 with an empty ExportTraceServiceResponse.
          if (status === 200 && body.length === 0) ok++;
          else {
            bad++;
            why ??= `HTTP ${status}: ${body.slice(0, 200)}`;
          }
        },
      },
    ],
  });
  const seconds = result.duration;
  return {
    requests: ok,
    failed: bad + result.errors + result.timeouts,
    why,
    messagesPerSecond: Math.round((ok * TURNS * 2) / seconds),
    spansPerSecond: Math.round((ok * TURNS) / seconds),
    bodyBytes: otlpBody('size-probe').length,
  };
}
