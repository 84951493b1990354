/**
 * An agent built with the Vercel AI SDK (`ai`), its model the SDK's own mock: each
 * `generateText` result's token usage and the time it took travel through this SDK into a real
 * server, and the session's stats then show them. This is the integration the README describes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateText } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import type { SessionHandle } from '../src/index.js';
import { DIALECTS, type Served, client, serve } from './helpers.js';

/** A model that thinks for `thinkMs` and reports the tokens of its prompt and answer. */
function mockModel(thinkMs: number) {
  let calls = 0;
  return new MockLanguageModelV3({
    modelId: 'mock-gpt',
    doGenerate: async () => {
      calls++;
      await new Promise((r) => setTimeout(r, thinkMs));
      return {
        content: [{ type: 'text', text: `Answer number ${calls}.` }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: {
          inputTokens: { total: 100 * calls, noCache: 100 * calls, cacheRead: 0, cacheWrite: 0 },
          outputTokens: { total: 20 + calls, text: 20 + calls, reasoning: 0 },
        },
        warnings: [],
      };
    },
  });
}

/** What an agent does per user message: ask the model, then report the answer with its figures. */
async function answer(session: SessionHandle, model: MockLanguageModelV3, question: string) {
  session.message('user', question);
  const started = performance.now();
  const result = await generateText({ model, prompt: question });
  session.message('agent', result.text, {
    latencyMs: Math.round(performance.now() - started),
    usage: {
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      model: result.response.modelId,
    },
  });
  return result;
}

for (const dialect of DIALECTS) {
  describe(`an agent on the Vercel AI SDK (${dialect})`, () => {
    let s: Served;
    before(async () => {
      s = await serve(dialect);
    });
    after(() => s.close());

    test("generateText's usage and timing become the session's tokens and latencies", async () => {
      const sb = client(s, s.t.adminKey);
      const model = mockModel(40);
      const session = await sb.sessions.start({ agent: 'ai-sdk-bot', channel: 'web', type: 'chat' });
      const first = await answer(session, model, 'Where is my order?');
      const second = await answer(session, model, 'Can you send the tracking link?');
      // A summary pass after the conversation: usage that belongs to no message.
      const summary = await generateText({ model, prompt: 'Summarize the conversation.' });
      session.reportUsage({
        inputTokens: summary.usage.inputTokens,
        outputTokens: summary.usage.outputTokens,
        model: summary.response.modelId,
      });
      await session.end('completed');

      assert.equal(first.usage.inputTokens, 100);
      assert.equal(second.usage.outputTokens, 22);
      const got = await sb.sessions.get(session.id);
      assert.equal(got.stats.turns, 2);
      assert.equal(got.stats.inputTokens, 100 + 200 + 300);
      assert.equal(got.stats.outputTokens, 21 + 22 + 23);
      const agentMessages = got.messages.filter((m) => m.sender === 'agent');
      assert.deepEqual(
        agentMessages.map((m) => m.usage?.model),
        ['mock-gpt', 'mock-gpt'],
      );
      for (const m of agentMessages) assert.ok((m.latencyMs ?? 0) >= 35, `latency ${m.latencyMs} ms`);
      assert.equal(got.stats.firstResponseMs, agentMessages[0].latencyMs);
      assert.equal(got.stats.maxResponseMs, Math.max(...agentMessages.map((m) => m.latencyMs ?? 0)));
      assert.ok((got.stats.avgResponseMs ?? 0) >= 35);
      await sb.close();
    });
  });
}
