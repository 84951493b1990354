/**
 * `GET/PUT /settings/redaction` and `POST /settings/redaction/preview`: the server default
 * (SWITCHBOARD_REDACT) until an organization saves its own, patterns RE2 cannot compile refused,
 * a change applied to the next write at once, and a hostile pattern that does not slow ingest.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RedactionPreview, RedactionSettings } from '@switchboard/contracts';
import { assertProblem, assertShape, call, DIALECTS, type TestContext, session, setup } from '../helpers.js';

const URL_ = '/api/v1/settings/redaction';

for (const dialect of DIALECTS) {
  describe(`redaction settings (${dialect})`, () => {
    let t: TestContext;
    before(async () => {
      t = await setup(dialect, { redact: ['email', 'phone'] });
    });
    after(() => t.close());

    const message = async (sessionId: string, content: string) => {
      const res = await call(t.app, t.adminKey, 'POST', `/api/v1/sessions/${sessionId}/messages`, {
        messages: [{ sender: 'user', content }],
      });
      assert.equal(res.statusCode, 201, res.body);
      return res.json().messages[0].content as string;
    };

    test('until saved, the server default applies (SWITCHBOARD_REDACT)', async () => {
      const res = await call(t.app, t.adminKey, 'GET', URL_);
      assert.equal(res.statusCode, 200);
      assertShape(RedactionSettings, res.json());
      assert.deepEqual(res.json(), { detectors: ['email', 'phone'], custom: [], source: 'server', updatedAt: null });
      await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'defaults' }));
      assert.equal(
        await message('defaults', 'a@example.com, +44 20 7946 0958, 4111111111111111'),
        '[redacted:email], [redacted:phone], 4111111111111111',
      );
    });

    test('a saved setting applies to the next write at once', async () => {
      const res = await call(t.app, t.adminKey, 'PUT', URL_, {
        detectors: ['card'],
        custom: [{ name: 'employee', pattern: 'EMP-\\d{6}' }],
      });
      assert.equal(res.statusCode, 200, res.body);
      assertShape(RedactionSettings, res.json());
      assert.equal(res.json().source, 'organization');
      assert.ok(res.json().updatedAt);
      assert.deepEqual((await call(t.app, t.adminKey, 'GET', URL_)).json().detectors, ['card']);
      assert.equal(
        await message('defaults', 'a@example.com, 4111111111111111, EMP-123456'),
        'a@example.com, [redacted:card], [redacted:employee]',
      );
      // Off: nothing is replaced.
      await call(t.app, t.adminKey, 'PUT', URL_, { detectors: [], custom: [] });
      assert.equal(await message('defaults', '4111111111111111'), '4111111111111111');
    });

    test('bad settings are 400s that say what is wrong', async () => {
      const backref = await call(t.app, t.adminKey, 'PUT', URL_, {
        detectors: [],
        custom: [
          { name: 'ok', pattern: 'fine' },
          { name: 'twice', pattern: '(a)\\1' },
        ],
      });
      const p = assertProblem(backref, 400, ['/custom/1/pattern']);
      assert.match(p.detail, /"twice" cannot be compiled: .*invalid escape sequence.*RE2 syntax/);
      assertProblem(
        await call(t.app, t.adminKey, 'PUT', URL_, {
          detectors: [],
          custom: [
            { name: 'x', pattern: 'a' },
            { name: 'x', pattern: 'b' },
          ],
        }),
        400,
        ['/custom/1/name'],
      );
      assertProblem(await call(t.app, t.adminKey, 'PUT', URL_, { detectors: ['passport'], custom: [] }), 400);
      assertProblem(
        await call(t.app, t.adminKey, 'PUT', URL_, { detectors: [], custom: [{ name: 'Bad Name', pattern: 'a' }] }),
        400,
      );
      // Nothing of a refused save was kept.
      assert.deepEqual((await call(t.app, t.adminKey, 'GET', URL_)).json().custom, []);
    });

    test('admin only', async () => {
      const ingest = await t.key(['ingest', 'read']);
      assertProblem(await call(t.app, ingest, 'GET', URL_), 403);
      assertProblem(await call(t.app, ingest, 'PUT', URL_, { detectors: [], custom: [] }), 403);
      assertProblem(await call(t.app, ingest, 'POST', `${URL_}/preview`, { text: 'x' }), 403);
      assertProblem(await call(t.app, null, 'GET', URL_), 401);
    });

    test('preview: the saved settings, or the ones given, with counts per detector', async () => {
      await call(t.app, t.adminKey, 'PUT', URL_, { detectors: ['email'], custom: [] });
      let res = await call(t.app, t.adminKey, 'POST', `${URL_}/preview`, {
        text: 'a@example.com b@example.com 10.0.0.1',
      });
      assert.equal(res.statusCode, 200, res.body);
      assertShape(RedactionPreview, res.json());
      assert.deepEqual(res.json(), {
        text: '[redacted:email] [redacted:email] 10.0.0.1',
        redactions: 2,
        byDetector: { email: 2 },
      });
      res = await call(t.app, t.adminKey, 'POST', `${URL_}/preview`, {
        text: 'a@example.com 10.0.0.1 ACME-42',
        detectors: ['ip'],
        custom: [{ name: 'code', pattern: 'ACME-\\d+' }],
      });
      assert.deepEqual(res.json(), {
        text: 'a@example.com [redacted:ip] [redacted:code]',
        redactions: 2,
        byDetector: { ip: 1, code: 1 },
      });
      assertProblem(
        await call(t.app, t.adminKey, 'POST', `${URL_}/preview`, {
          text: 'x',
          custom: [{ name: 'b', pattern: '(?=a)' }],
        }),
        400,
        ['/custom/0/pattern'],
      );
    });

    test('a catastrophic-backtracking pattern does not slow ingest', async () => {
      await call(t.app, t.adminKey, 'POST', '/api/v1/sessions', session({ id: 'hostile' }));
      const content = `${'a'.repeat(32_000)}!`;
      const timed = async (n: number) => {
        let best = Number.POSITIVE_INFINITY;
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          await message('hostile', content);
          best = Math.min(best, performance.now() - t0);
        }
        return best;
      };
      await call(t.app, t.adminKey, 'PUT', URL_, {
        detectors: ['email', 'phone', 'card', 'iban', 'ip', 'ssn'],
        custom: [],
      });
      const baseline = await timed(3);
      await call(t.app, t.adminKey, 'PUT', URL_, {
        detectors: ['email', 'phone', 'card', 'iban', 'ip', 'ssn'],
        custom: [
          { name: 'evil', pattern: '(a+)+$' },
          { name: 'evil2', pattern: '(a|aa)*b' },
        ],
      });
      const hostile = await timed(3);
      console.log(
        `32,000-character message: ${baseline.toFixed(1)} ms with the detectors, ${hostile.toFixed(1)} ms with (a+)+$ and (a|aa)*b too`,
      );
      // A backtracking engine would take longer than the age of the universe; RE2 a few ms more.
      assert.ok(hostile < baseline * 4 + 200, `${hostile.toFixed(1)} ms against ${baseline.toFixed(1)} ms`);
    });
  });
}
