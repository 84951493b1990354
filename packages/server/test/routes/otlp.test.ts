/**
 * `POST /api/otlp/v1/traces` with the OpenTelemetry project's own exporters (protobuf and JSON),
 * its serializers for hand-made requests, and hostile bodies.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as HttpExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { Session, SessionDetail } from '@switchboard/contracts';
import { decodeResponse } from '../../src/lib/otlp/decode.js';
import { IdleSweeper } from '../../src/services/idle.js';
import { assertShape, call, DIALECTS, type TestContext, setup } from '../helpers.js';

const T0 = Date.parse('2026-11-20T10:00:00.000Z');

/** A tracer whose spans go to `exporter`: batched, as an SDK's default setup sends them. */
function tracerFor(exporter: SpanExporter, resource: Record<string, string> = { 'service.name': 'support-bot' }) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [
      exporter instanceof InMemorySpanExporter ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter),
    ],
  });
  return { tracer: provider.getTracer('test'), provider };
}

const parts = (text: string) => [{ type: 'text', content: text }];

/**
 * Two model calls of one conversation the way a GenAI instrumentation reports them: the second
 * repeats the first's messages; a tool call between them; then a failing call.
 */
function conversation(tracer: Tracer, conversationId: string) {
  const first = tracer.startSpan('chat gpt-4o', {
    startTime: T0,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.conversation.id': conversationId,
      'gen_ai.agent.name': 'Support Bot',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
      'user.id': 'u-42',
      'gen_ai.system_instructions': JSON.stringify(parts('You are helpful.')),
      'gen_ai.input.messages': JSON.stringify([
        { role: 'system', parts: parts('You are helpful.') },
        { role: 'user', parts: parts('Where is my order?') },
      ]),
      'gen_ai.output.messages': JSON.stringify([
        { role: 'assistant', parts: parts('Let me check.'), finish_reason: 'stop' },
      ]),
    },
  });
  first.end(T0 + 800);
  const tool = tracer.startSpan('execute_tool lookup_order', {
    startTime: T0 + 900,
    attributes: {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'lookup_order',
      'gen_ai.tool.call.id': 'call_1',
      'gen_ai.conversation.id': conversationId,
    },
  });
  tool.end(T0 + 1150);
  const second = tracer.startSpan('chat gpt-4o', {
    startTime: T0 + 5000,
    attributes: {
      'gen_ai.conversation.id': conversationId,
      'gen_ai.agent.name': 'Support Bot',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 200,
      'gen_ai.usage.output_tokens': 40,
      'gen_ai.input.messages': JSON.stringify([
        { role: 'system', parts: parts('You are helpful.') },
        { role: 'user', parts: parts('Where is my order?') },
        { role: 'assistant', parts: parts('Let me check.') },
        { role: 'user', parts: parts('Thanks, and the refund?') },
      ]),
      'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: parts('Refund sent today.') }]),
    },
  });
  second.end(T0 + 6200);
  const failing = tracer.startSpan('chat gpt-4o', {
    startTime: T0 + 7000,
    attributes: { 'gen_ai.conversation.id': conversationId },
  });
  failing.recordException(new Error('rate limited by provider'));
  failing.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited by provider' });
  failing.end(T0 + 7100);
}

/** Spans from the SDK, kept in memory: serialized by hand to send with inject. */
function recordSpans(fn: (tracer: Tracer) => void, resource?: Record<string, string>): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const { tracer } = tracerFor(memory, resource);
  fn(tracer);
  return memory.getFinishedSpans();
}

for (const dialect of DIALECTS) {
  describe(`OTLP traces (${dialect})`, () => {
    let t: TestContext;
    let base: string;
    before(async () => {
      t = await setup(dialect);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const addr = t.app.server.address();
      base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    });
    after(() => t.close());

    const detail = async (id: string, key = t.adminKey) => {
      const res = await call(t.app, key, 'GET', `/api/v1/sessions/${id}`);
      assert.equal(res.statusCode, 200, res.body);
      assertShape(SessionDetail, res.json());
      return res.json();
    };
    const post = (body: Buffer | string, headers: Record<string, string>, key: string | null = t.adminKey) =>
      t.app.inject({
        method: 'POST',
        url: '/api/otlp/v1/traces',
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
        payload: body,
      });
    const proto = (spans: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
    const json = (spans: ReadableSpan[]) => Buffer.from(JsonTraceSerializer.serializeRequest(spans) as Uint8Array);

    test('the protobuf exporter, configured by the environment variables the docs give, makes a session', async () => {
      const saved = { ...process.env };
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `${base}/api/otlp`;
      process.env.OTEL_EXPORTER_OTLP_HEADERS = `Authorization=Bearer ${await t.key(['ingest'])}`;
      const exporter = new ProtoExporter();
      process.env = saved;
      const { tracer, provider } = tracerFor(exporter);
      conversation(tracer, 'conv-proto');
      await provider.forceFlush();
      await provider.shutdown();

      const d = await detail('conv-proto');
      assert.equal(d.source, 'otlp');
      assert.equal(d.agent.id, 'Support-Bot');
      assert.equal(d.agent.name, 'Support Bot');
      assert.equal(d.channel, 'web');
      assert.equal(d.type, 'chat');
      assert.equal(d.status, 'active');
      assert.equal(d.startedAt, new Date(T0).toISOString());
      assert.equal(d.metadata.userId, 'u-42');
      // Each message once, in conversation order, though the second call repeated the first two.
      assert.deepEqual(
        d.messages.map((m: { sender: string; content: string }) => [m.sender, m.content]),
        [
          ['user', 'Where is my order?'],
          ['agent', 'Let me check.'],
          ['user', 'Thanks, and the refund?'],
          ['agent', 'Refund sent today.'],
        ],
      );
      const [, a1, , a2] = d.messages;
      assert.equal(a1.timestamp, new Date(T0 + 800).toISOString());
      assert.equal(a1.latencyMs, 800);
      assert.deepEqual(a1.usage, { inputTokens: 120, outputTokens: 30, model: 'gpt-4o' });
      assert.equal(a2.latencyMs, 1200);
      assert.equal(d.stats.inputTokens, 320);
      assert.equal(d.stats.outputTokens, 70);
      assert.equal(d.stats.turns, 2);
      const tool = d.events.find((e: { type: string }) => e.type === 'tool_call');
      assert.deepEqual(tool.data, { name: 'lookup_order', status: 'ok', durationMs: 250, toolCallId: 'call_1' });
      const error = d.events.find((e: { type: string }) => e.type === 'error');
      assert.equal(error.data.message, 'rate limited by provider');
      assert.equal(d.stats.errors, 1);
    });

    test('the JSON exporter (exporter-trace-otlp-http) with the older gen_ai.prompt attributes', async () => {
      const exporter = new HttpExporter({
        url: `${base}/api/otlp/v1/traces`,
        headers: { Authorization: `Bearer ${t.adminKey}` },
      });
      const { tracer, provider } = tracerFor(exporter, { 'service.name': 'voice-agent', 'session.id': 'conv-json' });
      const span = tracer.startSpan('openai.chat', {
        startTime: T0,
        attributes: {
          'gen_ai.prompt.0.role': 'system',
          'gen_ai.prompt.0.content': 'Be brief.',
          'gen_ai.prompt.1.role': 'user',
          'gen_ai.prompt.1.content': 'Hello?',
          'gen_ai.completion.0.role': 'assistant',
          'gen_ai.completion.0.content': 'Hi there.',
          'switchboard.channel': 'phone',
        },
      });
      span.end(T0 + 300);
      const tts = tracer.startSpan('tts', { startTime: T0 + 310 });
      tts.end(T0 + 500);
      await provider.forceFlush();
      await provider.shutdown();
      const d = await detail('conv-json');
      assert.equal(d.agent.id, 'voice-agent');
      assert.equal(d.channel, 'phone');
      assert.deepEqual(
        d.messages.map((m: { content: string }) => m.content),
        ['Hello?', 'Hi there.'],
      );
    });

    test('OpenInference attributes and a speech span make a voice session; answers are spec-shaped', async () => {
      const spans = recordSpans((tracer) => {
        const tts = tracer.startSpan('speech', {
          startTime: T0,
          attributes: { 'gen_ai.operation.name': 'speech', 'session.id': 'conv-oi' },
        });
        tts.end(T0 + 10);
        const llm = tracer.startSpan('llm', {
          startTime: T0 + 20,
          attributes: {
            'session.id': 'conv-oi',
            'openinference.span.kind': 'LLM',
            'llm.input_messages.0.message.role': 'user',
            'llm.input_messages.0.message.content': 'Book a table',
            'llm.output_messages.0.message.role': 'assistant',
            'llm.output_messages.0.message.contents.0.message_content.text': 'For how many?',
          },
        });
        llm.end(T0 + 400);
      });
      const res = await post(proto(spans), { 'content-type': 'application/x-protobuf' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'application/x-protobuf');
      assert.deepEqual(decodeResponse(res.rawPayload), { rejectedSpans: 0, errorMessage: '' });
      const d = await detail('conv-oi');
      assert.equal(d.type, 'voice');
      assert.deepEqual(
        d.messages.map((m: { content: string }) => m.content),
        ['Book a table', 'For how many?'],
      );
      // The same request again (an exporter's retry) changes nothing.
      const again = await post(proto(spans), { 'content-type': 'application/x-protobuf' });
      assert.equal(again.statusCode, 200);
      const d2 = await detail('conv-oi');
      assert.equal(d2.messages.length, 2);
      assert.equal(d2.events.length, d.events.length);
    });

    test('spans without a conversation id are counted in partialSuccess, not refused', async () => {
      const spans = recordSpans((tracer) => {
        tracer.startSpan('GET /health', { startTime: T0 }).end(T0 + 1);
        tracer.startSpan('db.query', { startTime: T0 }).end(T0 + 2);
        tracer.startSpan('chat', { startTime: T0, attributes: { thread_id: 'bad id with spaces' } }).end(T0 + 2);
        tracer
          .startSpan('chat', {
            startTime: T0,
            attributes: {
              thread_id: 'conv-partial',
              'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: parts('hey') }]),
            },
          })
          .end(T0 + 2);
      });
      const res = await post(gzipSync(json(spans)), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const body = res.json();
      assert.equal(body.partialSuccess.rejectedSpans, '3');
      assert.match(body.partialSuccess.errorMessage, /2 span\(s\) name no conversation/);
      assert.match(body.partialSuccess.errorMessage, /not a valid session id/);
      assert.equal((await detail('conv-partial')).messages.length, 1);
    });

    test('an undecodable body is a 400 with a google.rpc.Status; no key 401; a read key 403', async () => {
      const bad = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), {
        'content-type': 'application/x-protobuf',
      });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.headers['content-type'], 'application/x-protobuf');
      const badJson = await post('{"resourceSpans": 7}', { 'content-type': 'application/json' });
      assert.equal(badJson.statusCode, 400);
      assert.match(badJson.json().message, /resourceSpans/);
      const badGzip = await post(Buffer.from('not gzip'), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      });
      assert.equal(badGzip.statusCode, 400);
      const spans = recordSpans((tracer) =>
        tracer.startSpan('chat', { attributes: { 'session.id': 'conv-auth' } }).end(),
      );
      assert.equal((await post(proto(spans), { 'content-type': 'application/x-protobuf' }, null)).statusCode, 401);
      const reader = await t.key(['read']);
      assert.equal((await post(proto(spans), { 'content-type': 'application/x-protobuf' }, reader)).statusCode, 403);
      assert.equal((await post('x', { 'content-type': 'text/plain' })).statusCode, 415);
      assert.equal((await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/conv-auth')).statusCode, 404);
    });

    test('a 5 MiB span batch, and a gzip bomb, are refused with 413 and store nothing', async () => {
      const big = 'x'.repeat(32 * 1024);
      const spans = recordSpans((tracer) => {
        for (let i = 0; i < 170; i++)
          tracer
            .startSpan('chat', {
              startTime: T0,
              attributes: {
                'session.id': 'conv-huge',
                'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: parts(`${i}${big}`) }]),
              },
            })
            .end(T0 + 1);
      });
      const body = proto(spans);
      assert.ok(body.length > 5 * 1024 * 1024);
      const res = await post(body, { 'content-type': 'application/x-protobuf' });
      assert.equal(res.statusCode, 413);
      // Under the limit compressed, over it once inflated.
      const bomb = gzipSync(Buffer.alloc(6 * 1024 * 1024));
      assert.ok(bomb.length < 64 * 1024);
      const inflated = await post(bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
      assert.equal(inflated.statusCode, 413);
      assert.equal((await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/conv-huge')).statusCode, 404);
    });

    test('a conversation id that is another organization’s session id reaches only its own organization', async () => {
      const other = await t.otherOrg();
      const before = await detail('conv-proto');
      const spans = recordSpans((tracer) =>
        tracer
          .startSpan('chat', {
            startTime: T0,
            attributes: {
              'gen_ai.conversation.id': 'conv-proto',
              'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: parts('Where is my order?') }]),
              'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: parts('Not telling.') }]),
            },
          })
          .end(T0 + 10),
      );
      const res = await post(proto(spans), { 'content-type': 'application/x-protobuf' }, other.key);
      assert.equal(res.statusCode, 200);
      const mine = await detail('conv-proto');
      assert.deepEqual(mine.messages, before.messages);
      assert.equal(mine.messageCount, before.messageCount);
      const theirs = await detail('conv-proto', other.key);
      assert.equal(theirs.source, 'otlp');
      assert.deepEqual(
        theirs.messages.map((m: { content: string }) => m.content),
        ['Where is my order?', 'Not telling.'],
      );
    });

    test('source= filters the list; export carries the source column', async () => {
      await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', {
        id: 'api-made',
        agent: { id: 'bot' },
        channel: 'web',
        type: 'chat',
      });
      const otlp = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions?source=otlp&limit=100');
      const ids = otlp.json().data.map((s: { id: string; source: string }) => {
        assert.equal(s.source, 'otlp');
        assertShape(Session, s);
        return s.id;
      });
      assert.ok(ids.includes('conv-proto'));
      assert.ok(!ids.includes('api-made'));
      const api = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions?source=api');
      assert.deepEqual(
        api.json().data.map((s: { id: string }) => s.id),
        ['api-made'],
      );
      const m = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/metrics?source=api');
      assert.equal(m.json().totalSessions, 1);
      assert.equal((await call(t.app, t.adminKey, 'GET', '/api/v1/sessions?source=fax')).statusCode, 400);
      const csv = await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/export?format=csv&source=api');
      const [header, row] = csv.body.trim().split('\r\n');
      // The source column after ended_reason (the review columns follow it), read by its header.
      const columns = header.split(',');
      assert.equal(columns[columns.indexOf('ended_reason') + 1], 'source', header);
      assert.equal(row.split(',')[columns.indexOf('source')], 'api', row);
    });

    test('a silent OTLP session ends as completed "inactive", or failed when its last span failed', async () => {
      const spans = recordSpans((tracer) => {
        tracer
          .startSpan('chat', {
            startTime: T0,
            attributes: {
              'session.id': 'conv-quiet',
              'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: parts('hello') }]),
              'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: parts('hi') }]),
            },
          })
          .end(T0 + 5);
      });
      await post(proto(spans), { 'content-type': 'application/x-protobuf' });
      const now = Date.now();
      // The regular idle timeout (shorter here) leaves OTLP sessions alone.
      const sweeper = new IdleSweeper(t.store, t.app.services.ingest, 3600, t.app.log, 900);
      await sweeper.sweep(now + 899_000);
      assert.equal((await detail('conv-quiet')).status, 'active');
      await sweeper.sweep(now + 901_000);
      const quiet = await detail('conv-quiet');
      assert.equal(quiet.status, 'completed');
      assert.equal(quiet.endedReason, 'inactive');
      // conv-proto's last span failed.
      const failed = await detail('conv-proto');
      assert.equal(failed.status, 'failed');
      assert.equal(failed.endedReason, 'inactive');
      // An API session idle as long is ended by the regular timeout, as before.
      await sweeper.sweep(now + 3_601_000);
      const api = await detail('api-made');
      assert.equal(api.status, 'failed');
      assert.equal(api.endedReason, 'idle_timeout');
    });
  });
}
