/**
 * OTLP ingest load (`npm run bench -- --only otlp`): OpenTelemetry exports of GenAI spans as a
 * real SDK sends them. A conversation is TURNS model calls, one span each, and every span repeats
 * the conversation so far (its input) plus the new answer (its output), so it carries TURNS × 2
 * new messages among TURNS × (TURNS + 1) message copies. An SDK's batch span processor exports up
 * to 512 spans at a time from every conversation its process is having, in the order they ended:
 * each request is CONVERSATIONS conversations' spans, turn by turn interleaved (500 spans, 1,000
 * new messages — the size of the /ingest batches it is compared with). The server stores each
 * message once; the figure is new messages stored per second.
 */
import { createHash } from 'node:crypto';
import autocannon from 'autocannon';
import protobuf from 'protobufjs';
import { OTLP_DESCRIPTOR } from '../packages/server/src/lib/otlp/descriptor.js';
import type { Server } from './http.js';

export const TURNS = 20;
/** Conversations per export: 25 × 20 spans = 500, under the SDK's default maxExportBatchSize of 512. */
export const CONVERSATIONS = 25;
const Request = protobuf.Root.fromJSON(OTLP_DESCRIPTOR as unknown as protobuf.INamespace).lookupType(
  'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
);

const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: value } });
const parts = (text: string) => [{ type: 'text', content: text }];

/** One conversation's TURNS calls as OTLP spans (protobuf-ready objects), oldest first. */
function conversationSpans(conversationId: string) {
  const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
  const history: Array<{ role: string; parts: unknown[] }> = [];
  const spans = [];
  for (let turn = 0; turn < TURNS; turn++) {
    history.push({ role: 'user', parts: parts(`Question ${turn} of ${conversationId}: where is order ${turn}?`) });
    const answer = { role: 'assistant', parts: parts(`Order ${turn} ships tomorrow; tracking follows by email.`) };
    const start = t0 + BigInt(turn) * 2_000_000_000n;
    spans.push({
      traceId: createHash('md5').update(conversationId).digest(),
      spanId: createHash('md5').update(`${conversationId}/${turn}`).digest().subarray(0, 8),
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
  return spans;
}

/** The given conversations' spans, turn by turn interleaved, as one ExportTraceServiceRequest. */
export function otlpBody(...conversationIds: string[]): Buffer {
  const each = conversationIds.map(conversationSpans);
  const spans = [];
  for (let turn = 0; turn < TURNS; turn++) for (const c of each) spans.push(c[turn]);
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
  opts: { seconds?: number; amount?: number; connections: number; conversations?: number },
): Promise<OtlpResult> {
  let ok = 0;
  let bad = 0;
  let why: string | undefined;
  let n = 0;
  const perExport = opts.conversations ?? CONVERSATIONS;
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
        setupRequest: (req) => ({
          ...req,
          body: otlpBody(...Array.from({ length: perExport }, () => `${run}-${n++}`)) as unknown as string,
        }),
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
    messagesPerSecond: Math.round((ok * perExport * TURNS * 2) / seconds),
    spansPerSecond: Math.round((ok * perExport * TURNS) / seconds),
    bodyBytes: otlpBody(...Array.from({ length: perExport }, (_, i) => `size-probe-${i}`)).length,
  };
}
