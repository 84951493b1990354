/**
 * Integrations: the admin API, and Vapi and Retell posting recorded calls to their addresses,
 * signed as the platforms sign (Retell with the retell-sdk package's own `sign`/`verify`).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  Integration,
  IntegrationList,
  IntegrationReceipt,
  IntegrationRequestList,
  SessionDetail,
} from '@switchboard/contracts';
import type { Vapi } from '@vapi-ai/server-sdk';
import Retell from 'retell-sdk';
import { assertProblem, assertShape, call, DIALECTS, type TestContext, setup } from '../helpers.js';

const root = new URL('../../../../', import.meta.url).pathname;
const retellEvents = JSON.parse(readFileSync(`${root}examples/voice-replay/retell-call.json`, 'utf8')) as Array<{
  event: string;
  call: Record<string, unknown>;
}>;
// Vapi's own types for its server messages: the recording must be what Vapi sends.
const vapiEvents = JSON.parse(
  readFileSync(`${root}examples/voice-replay/vapi-call.json`, 'utf8'),
) as Vapi.ServerMessage[];

const RETELL_KEY = 'key_2c7e3d1f5a9b4e8c6d0a1b2c';
const VAPI_SECRET = 'vapi-server-secret-8c1d';
const RETELL_CALL = 'Jabr9TXYYJHfvl6Syypi88rdAHYHmcq6';
const VAPI_CALL = '0b1f6c52-8f1e-4f37-a8f4-3cc1a5a4b9d2';

for (const dialect of DIALECTS) {
  describe(`integrations (${dialect})`, () => {
    let t: TestContext;
    let retell: Integration;
    let vapi: Integration;
    before(async () => {
      t = await setup(dialect);
    });
    after(() => t.close());

    const create = async (body: Record<string, unknown>, key = t.adminKey) => {
      const res = await call(t.app, key, 'POST', '/api/v1/integrations', body);
      assert.equal(res.statusCode, 201, res.body);
      assertShape(Integration, res.json());
      return res.json() as Integration;
    };
    const deliver = (integration: Integration, body: string, headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: integration.url,
        headers: { 'content-type': 'application/json', ...headers },
        payload: body,
      });
    const retellPost = async (payload: unknown, sign = RETELL_KEY) => {
      const body = JSON.stringify(payload);
      return deliver(retell, body, { 'x-retell-signature': await Retell.sign(body, sign) });
    };
    const vapiPost = (payload: unknown, headers: Record<string, string> = { 'x-vapi-secret': VAPI_SECRET }) =>
      deliver(vapi, JSON.stringify(payload), headers);
    const detail = async (id: string, key = t.adminKey) => {
      const res = await call(t.app, key, 'GET', `/api/v1/sessions/${id}`);
      assert.equal(res.statusCode, 200, res.body);
      assertShape(SessionDetail, res.json());
      return res.json();
    };
    const requests = async (i: Integration) => {
      const res = await call(t.app, t.adminKey, 'GET', `/api/v1/integrations/${i.id}/requests`);
      assert.equal(res.statusCode, 200, res.body);
      assertShape(IntegrationRequestList, res.json());
      return res.json().data as Array<{ accepted: boolean; status: number; eventType: string; reason: string }>;
    };

    test('the admin API creates, lists and reads integrations; the secret never comes back', async () => {
      retell = await create({ provider: 'retell', name: 'Front desk', secret: RETELL_KEY });
      vapi = await create({ provider: 'vapi', name: 'Scheduling line', secret: VAPI_SECRET });
      assert.equal(retell.url, `/api/integrations/${retell.id}`);
      assert.equal(retell.lastRequestAt, null);
      const list = await call(t.app, t.adminKey, 'GET', '/api/v1/integrations');
      assertShape(IntegrationList, list.json());
      assert.deepEqual(
        list.json().data.map((i: Integration) => i.id),
        [vapi.id, retell.id],
      );
      assert.ok(!list.body.includes(RETELL_KEY) && !list.body.includes(VAPI_SECRET));
      assertProblem(
        await call(t.app, t.adminKey, 'POST', '/api/v1/integrations', { provider: 'twilio', name: 'x', secret: 'y' }),
        400,
      );
      const ingestOnly = await t.key(['ingest']);
      assertProblem(await call(t.app, ingestOnly, 'GET', '/api/v1/integrations'), 403);
      const other = await t.otherOrg();
      assertProblem(await call(t.app, other.key, 'GET', `/api/v1/integrations/${retell.id}`), 404);
      assertProblem(await call(t.app, other.key, 'GET', `/api/v1/integrations/${retell.id}/requests`), 404);
      assertProblem(await call(t.app, other.key, 'DELETE', `/api/v1/integrations/${retell.id}`), 404);
    });

    test('Retell: a recorded call, signed by retell-sdk, becomes a finished voice session', async () => {
      for (const e of retellEvents) {
        const body = JSON.stringify(e);
        const signature = await Retell.sign(body, RETELL_KEY);
        // What we accept is what Retell's own library accepts.
        assert.equal(await Retell.verify(body, RETELL_KEY, signature), true);
        const res = await deliver(retell, body, { 'x-retell-signature': signature });
        assert.equal(res.statusCode, 200, res.body);
        assertShape(IntegrationReceipt, res.json());
      }
      const d = await detail(RETELL_CALL);
      assert.equal(d.source, 'retell');
      assert.equal(d.channel, 'phone');
      assert.equal(d.type, 'voice');
      assert.equal(d.agent.id, 'oBeDLoLOeuAbiuaMFXRtDOLriTJ5tSxD');
      assert.equal(d.agent.name, 'Dental Receptionist');
      assert.equal(d.status, 'completed');
      assert.equal(d.endedReason, 'user_hangup');
      assert.equal(d.startedAt, new Date(1764755100000).toISOString());
      assert.equal(d.endedAt, new Date(1764755164000).toISOString());
      assert.equal(d.messages.length, 5);
      assert.deepEqual(
        d.messages.map((m: { sender: string }) => m.sender),
        ['agent', 'user', 'agent', 'user', 'agent'],
      );
      // The agent's first word (7.85 s) minus the user's last word end (7.0 s).
      assert.equal(d.messages[2].latencyMs, 850);
      assert.equal(d.messages[4].latencyMs, 1200);
      assert.equal(d.messages[1].timestamp, new Date(1764755100000 + 4100).toISOString());
      assert.equal(d.stats.firstResponseMs, 850);
      assert.equal(d.metadata.summary, 'The caller moved their cleaning appointment to Friday at 2 PM.');
      // The call analysis as scores, written by the integration.
      assert.deepEqual(d.scores, { sentiment: 'Positive', successful: true });
      assert.equal(d.metadata.sentiment, undefined);
      assert.deepEqual(
        d.scoreDetails.map((x: { name: string; author: { type: string; id: string } }) => [
          x.name,
          x.author.type,
          x.author.id,
        ]),
        [
          ['sentiment', 'integration', retell.id],
          ['successful', 'integration', retell.id],
        ].sort(),
      );
      assert.match(String(d.metadata.recordingUrl), /recording\.wav$/);
      assert.equal(d.stats.costUsd, 0.078933376);
      const log = await requests(retell);
      assert.deepEqual(
        log.map((r) => [r.eventType, r.accepted, r.status]),
        [
          ['call_analyzed', true, 200],
          ['call_ended', true, 200],
          ['call_started', true, 200],
        ],
      );
    });

    test('Retell: a redelivered event changes nothing', async () => {
      const before = await detail(RETELL_CALL);
      for (const e of retellEvents) assert.equal((await retellPost(e)).statusCode, 200);
      const again = await detail(RETELL_CALL);
      assert.deepEqual(again.messages, before.messages);
      assert.deepEqual(again.events, before.events);
      assert.deepEqual(again.stats, before.stats);
      // Scores written once: the same values, by the same hand, at the same time.
      assert.deepEqual(again.scores, before.scores);
      assert.deepEqual(again.scoreDetails, before.scoreDetails);
      assert.equal(again.status, 'completed');
    });

    test('Retell: a forged or stale signature is a 401, stores nothing and is logged as refused', async () => {
      const forged = structuredClone(retellEvents[0]);
      forged.call.call_id = 'forged-call';
      const res = await retellPost(forged, 'not-the-key');
      assertProblem(res, 401);
      const body = JSON.stringify(forged);
      const stale = `v=${Date.now() - 10 * 60_000},d=${createHmac('sha256', RETELL_KEY)
        .update(body + String(Date.now() - 10 * 60_000))
        .digest('hex')}`;
      assertProblem(await deliver(retell, body, { 'x-retell-signature': stale }), 401);
      assertProblem(await deliver(retell, body, {}), 401);
      assert.equal((await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/forged-call')).statusCode, 404);
      const [last] = await requests(retell);
      assert.equal(last.accepted, false);
      assert.equal(last.status, 401);
      assert.match(last.reason, /X-Retell-Signature/);
      assert.equal(
        (await call(t.app, t.adminKey, 'GET', `/api/v1/integrations/${retell.id}`)).json().lastRequestAt !== null,
        true,
      );
    });

    test('Vapi: a recorded call with x-vapi-secret; the final report adds only what did not arrive live', async () => {
      for (const e of vapiEvents.slice(0, 4)) assert.equal((await vapiPost(e)).statusCode, 200);
      const live = await detail(VAPI_CALL);
      assert.equal(live.status, 'active');
      assert.equal(live.source, 'vapi');
      assert.equal(live.channel, 'phone');
      assert.equal(live.agent.name, 'Riley (scheduling)');
      assert.deepEqual(
        live.messages.map((m: { content: string }) => m.content),
        [
          'Hi, this is Riley. How can I help you today?',
          'I need to reschedule my appointment.',
          'Of course. What day works best for you?',
        ],
      );
      assert.ok(live.events.some((e: { type: string }) => e.type === 'hang'));
      // The end-of-call report, signed with an HMAC credential this time.
      const report = JSON.stringify(vapiEvents[4]);
      const signature = createHmac('sha256', VAPI_SECRET).update(report).digest('hex');
      const res = await deliver(vapi, report, { 'x-vapi-signature': signature });
      assert.equal(res.statusCode, 200, res.body);
      const d = await detail(VAPI_CALL);
      assert.equal(d.status, 'completed');
      assert.equal(d.endedReason, 'customer-ended-call');
      assert.equal(d.endedAt, '2025-12-03T09:45:41.000Z');
      assert.deepEqual(
        d.messages.map((m: { sender: string; content: string }) => `${m.sender}: ${m.content}`),
        [
          'agent: Hi, this is Riley. How can I help you today?',
          'user: I need to reschedule my appointment.',
          'agent: Of course. What day works best for you?',
          'user: Thursday afternoon, please.',
          "agent: You're all set for Thursday at 3 PM. Anything else?",
          "user: No, that's it. Thanks!",
        ],
      );
      assert.equal(d.stats.costUsd, 0.1342);
      assert.equal(d.metadata.summary, 'The customer rescheduled their appointment to Thursday at 3 PM.');
      assert.deepEqual(d.scores, { success: 'true' });
      assert.equal(d.metadata.successEvaluation, undefined);
      assert.match(String(d.metadata.recordingUrl), /mono\.wav$/);
      // Redelivered: nothing changes.
      assert.equal((await deliver(vapi, report, { 'x-vapi-signature': signature })).statusCode, 200);
      const again = await detail(VAPI_CALL);
      assert.deepEqual(again.messages, d.messages);
      assert.deepEqual(again.stats, d.stats);
      assert.deepEqual(again.scoreDetails, d.scoreDetails);
    });

    test('Vapi: a wrong secret or signature is a 401 and stores nothing; unknown addresses are 404', async () => {
      const forged = structuredClone(vapiEvents[0]) as { message: { call: { id: string } } };
      forged.message.call.id = 'forged-vapi-call';
      assertProblem(await vapiPost(forged, { 'x-vapi-secret': 'guess' }), 401);
      assertProblem(await vapiPost(forged, { 'x-vapi-signature': 'a'.repeat(64) }), 401);
      assertProblem(await vapiPost(forged, {}), 401);
      assert.equal((await call(t.app, t.adminKey, 'GET', '/api/v1/sessions/forged-vapi-call')).statusCode, 404);
      const gone = await t.app.inject({
        method: 'POST',
        url: '/api/integrations/int_nope',
        headers: { 'content-type': 'application/json', 'x-vapi-secret': VAPI_SECRET },
        payload: '{}',
      });
      assertProblem(gone as never, 404);
      const [last] = await requests(vapi);
      assert.equal(last.accepted, false);
    });

    test('endedReason and disconnection_reason map to statuses; a call id of another organization stays apart', async () => {
      const other = await t.otherOrg();
      const res = await call(t.app, other.key, 'POST', '/api/v1/integrations', {
        provider: 'retell',
        name: 'theirs',
        secret: RETELL_KEY,
        agentId: 'their-agent',
      });
      const theirs = res.json() as Integration;
      const mine = await detail(RETELL_CALL);
      const ended = structuredClone(retellEvents[1]);
      ended.call.disconnection_reason = 'dial_no_answer';
      ended.call.transcript_object = [{ role: 'user', content: 'Hello?' }];
      const body = JSON.stringify(ended);
      const r = await deliver(theirs, body, { 'x-retell-signature': await Retell.sign(body, RETELL_KEY) });
      assert.equal(r.statusCode, 200, r.body);
      const after = await detail(RETELL_CALL);
      assert.deepEqual(after.messages, mine.messages);
      assert.equal(after.status, 'completed');
      const theirSession = await detail(RETELL_CALL, other.key);
      assert.equal(theirSession.status, 'cancelled');
      assert.equal(theirSession.agent.id, 'their-agent');
      assert.equal(theirSession.messages.length, 1);
      const del = await call(t.app, other.key, 'DELETE', `/api/v1/integrations/${theirs.id}`);
      assert.equal(del.statusCode, 204);
      assert.equal(
        (await deliver(theirs, body, { 'x-retell-signature': await Retell.sign(body, RETELL_KEY) })).statusCode,
        404,
      );
    });
  });
}
