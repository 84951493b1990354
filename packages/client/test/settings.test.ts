/** `sb.settings`: redaction settings and previews through the SDK, against a real server. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConflictError, ValidationError } from '../src/index.js';
import { DIALECTS, type Served, client, serve } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`sb.settings (${dialect})`, () => {
    let s: Served;
    before(async () => {
      s = await serve(dialect);
    });
    after(() => s.close());

    test('get, save and preview redaction; an uncompilable pattern is a ValidationError', async () => {
      const sb = client(s, s.t.adminKey);
      assert.deepEqual(await sb.settings.getRedaction(), {
        detectors: [],
        custom: [],
        source: 'server',
        updatedAt: null,
      });
      const saved = await sb.settings.putRedaction({
        detectors: ['email'],
        custom: [{ name: 'emp', pattern: 'EMP-\\d+' }],
      });
      assert.equal(saved.source, 'organization');
      assert.deepEqual((await sb.settings.getRedaction()).custom, [{ name: 'emp', pattern: 'EMP-\\d+' }]);
      const preview = await sb.settings.previewRedaction({ text: 'jane@example.com EMP-7' });
      assert.deepEqual(preview, {
        text: '[redacted:email] [redacted:emp]',
        redactions: 2,
        byDetector: { email: 1, emp: 1 },
      });
      await assert.rejects(
        sb.settings.putRedaction({ detectors: [], custom: [{ name: 'bad', pattern: '(a)\\1' }] }),
        (err: unknown) => err instanceof ValidationError && /cannot be compiled/.test(err.message),
      );
    });

    test('apply redaction to stored sessions: a job, or a ConflictError while redaction is off', async () => {
      const sb = client(s, s.t.adminKey);
      await sb.settings.putRedaction({ detectors: [] });
      await assert.rejects(sb.settings.applyRedaction(), (err: unknown) => err instanceof ConflictError);
      await sb.settings.putRedaction({ detectors: ['email'] });
      const { jobId } = await sb.settings.applyRedaction({ channel: 'phone' });
      const job = await sb.review.job(jobId);
      assert.equal(job.kind, 'redaction.apply');
      await assert.rejects(sb.settings.applyRedaction('status=nope'), (err: unknown) => err instanceof ValidationError);
    });
  });
}
