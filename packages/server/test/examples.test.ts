/**
 * The examples in examples/ run as a user runs them (a child process each) against a real
 * server: the AI SDK agent reporting through OpenTelemetry, and the Vapi and Retell replays.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { call, DIALECTS, type TestContext, setup } from './helpers.js';

const run = promisify(execFile);
const root = new URL('../../../', import.meta.url).pathname;
const example = (file: string, args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    timeout: 60_000,
  });

for (const dialect of DIALECTS) {
  describe(`examples (${dialect})`, () => {
    let t: TestContext;
    let base: string;
    before(async () => {
      t = await setup(dialect);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const addr = t.app.server.address();
      base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    });
    after(() => t.close());

    test('examples/otel-agent: the AI SDK agent, configured by the OTEL_ variables, makes one session', async () => {
      const key = await t.key(['ingest']);
      const { stdout } = await example('examples/otel-agent/agent.ts', ['--session', 'otel-example'], {
        OTEL_EXPORTER_OTLP_ENDPOINT: `${base}/api/otlp`,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${key}`,
      });
      assert.match(stdout, /Reported session otel-example/);
      const d = (await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/otel-example')).json();
      assert.equal(d.source, 'otlp');
      assert.equal(d.agent.id, 'otel-support-agent');
      assert.equal(d.metadata.userId, 'customer-42');
      // Three calls, each repeating the conversation so far: six messages, each stored once.
      assert.deepEqual(
        d.messages.map((m: { sender: string }) => m.sender),
        ['user', 'agent', 'user', 'agent', 'user', 'agent'],
      );
      assert.equal(d.messages[1].content, 'Your order #4417 shipped yesterday and arrives Thursday.');
      assert.equal(d.messages[1].usage.model, 'mock-gpt-4o');
      assert.ok(d.messages[1].latencyMs >= 100, String(d.messages[1].latencyMs));
      assert.equal(d.stats.turns, 3);
      assert.ok(d.stats.inputTokens > 0);
    });

    for (const platform of ['retell', 'vapi'] as const) {
      test(`examples/voice-replay: the recorded ${platform} call, signed as ${platform} signs`, async () => {
        const secret = `${platform}-secret-for-the-example`;
        const created = await call(t.app, t.adminKey, 'POST', '/api/v1/integrations', {
          provider: platform,
          name: `${platform} replay`,
          secret,
        });
        const url = `${base}${created.json().url}`;
        const args = ['--platform', platform, '--url', url, '--secret', secret];
        const { stdout } = await example(
          'examples/voice-replay/replay.ts',
          platform === 'vapi' ? [...args, '--hmac'] : args,
        );
        const id = /Call (\S+) replayed/.exec(stdout)?.[1] as string;
        const d = (await call(t.app, t.adminKey, 'GET', `/api/v1/sessions/${id}`)).json();
        assert.equal(d.source, platform);
        assert.equal(d.status, 'completed');
        assert.equal(d.messages.length, platform === 'retell' ? 5 : 6);
        // Moved to now: the call started about a minute ago.
        assert.ok(Math.abs(Date.parse(d.startedAt) - (Date.now() - 60_000)) < 60_000, d.startedAt);
        // A wrong secret: refused, and the script says so.
        await assert.rejects(
          example('examples/voice-replay/replay.ts', [
            '--platform',
            platform,
            '--url',
            url,
            '--secret',
            'wrong-secret',
          ]),
          (err: { stdout?: string }) => /: 401 /.test(err.stdout ?? ''),
        );
      });
    }
  });
}
