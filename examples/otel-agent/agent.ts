/**
 * An agent on the Vercel AI SDK that reports to Switchboard through OpenTelemetry alone: no
 * Switchboard SDK, just `experimental_telemetry` and an OTLP exporter pointed at the server
 * (README.md beside this file). The model is the AI SDK's own mock, so it runs offline.
 *
 *   node --import tsx examples/otel-agent/agent.ts --url http://127.0.0.1:8080 --key swb_…
 *
 * or with the standard variables the Integrations page gives (then no flags are needed):
 *   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:8080/api/otlp \
 *   OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer swb_…" node --import tsx examples/otel-agent/agent.ts
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { generateText, type ModelMessage } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';

// In your own project these are plain imports (npm install @opentelemetry/sdk-trace-base
// @opentelemetry/exporter-trace-otlp-proto @opentelemetry/resources). This repository installs
// them for the server's tests, whose OpenTelemetry API version they need, so load them from there.
const otel = createRequire(new URL('../../packages/server/package.json', import.meta.url));
const { BasicTracerProvider, BatchSpanProcessor } = otel(
  '@opentelemetry/sdk-trace-base',
) as typeof import('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = otel(
  '@opentelemetry/exporter-trace-otlp-proto',
) as typeof import('@opentelemetry/exporter-trace-otlp-proto');
const { resourceFromAttributes } = otel('@opentelemetry/resources') as typeof import('@opentelemetry/resources');

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.SWITCHBOARD_URL },
    key: { type: 'string', default: process.env.SWITCHBOARD_API_KEY },
    session: { type: 'string', default: `otel-${randomUUID()}` },
  },
});

// Explicit settings win; otherwise the exporter reads OTEL_EXPORTER_OTLP_ENDPOINT and _HEADERS.
const exporter =
  values.url && values.key
    ? new OTLPTraceExporter({
        url: `${values.url.replace(/\/$/, '')}/api/otlp/v1/traces`,
        headers: { Authorization: `Bearer ${values.key}` },
      })
    : new OTLPTraceExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'otel-support-agent' }),
  spanProcessors: [new BatchSpanProcessor(exporter)],
});
const tracer = provider.getTracer('otel-support-agent');

/** A mock model with canned answers, a little thinking time and token counts, like a real one. */
const answers = [
  'Your order #4417 shipped yesterday and arrives Thursday.',
  'Here is the tracking link: https://track.example.com/4417',
  'You are welcome. Anything else I can help with?',
];
let call = 0;
const model = new MockLanguageModelV3({
  provider: 'mock',
  modelId: 'mock-gpt-4o',
  doGenerate: async ({ prompt }) => {
    const text = answers[call++ % answers.length];
    await new Promise((r) => setTimeout(r, 120));
    const words = JSON.stringify(prompt).split(/\s+/).length;
    return {
      content: [{ type: 'text', text }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: {
        inputTokens: { total: words * 2, noCache: words * 2, cacheRead: 0, cacheWrite: 0 },
        outputTokens: { total: text.split(' ').length, text: text.split(' ').length, reasoning: 0 },
      },
      warnings: [],
    };
  },
});

const sessionId = values.session as string;
const history: ModelMessage[] = [];
for (const question of ['Where is my order?', 'Can you send me the tracking link?', 'Great, thanks!']) {
  history.push({ role: 'user', content: question });
  const result = await generateText({
    model,
    system: 'You are the support agent of an online shop.',
    messages: history,
    experimental_telemetry: {
      isEnabled: true,
      functionId: 'support-agent',
      // Switchboard groups spans into a session by this id (ai.telemetry.metadata.sessionId).
      metadata: { sessionId, userId: 'customer-42' },
      tracer,
    },
  });
  history.push({ role: 'assistant', content: result.text });
  console.log(`user:  ${question}\nagent: ${result.text}`);
}

await provider.forceFlush();
await provider.shutdown();
console.log(`Reported session ${sessionId}.`);
