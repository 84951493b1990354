/** `sb.review` against a real server: tags, scores, notes, the reviewed mark, views, bulk jobs, filters. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PermissionDeniedError, Switchboard } from '../src/index.js';
import { DIALECTS, type Served, serve } from './helpers.js';

for (const dialect of DIALECTS) {
  describe(`sb.review (${dialect})`, () => {
    let s: Served;
    let sb: Switchboard;
    before(async () => {
      s = await serve(dialect, { jobs: { backgroundJobs: { pollMs: 20 } } });
      sb = new Switchboard({ baseUrl: s.url, apiKey: s.t.adminKey });
      for (const id of ['c-1', 'c-2', 'c-3'])
        (await sb.sessions.start({ id, agent: { id: 'bot' }, channel: 'web', type: 'chat' }, { wait: true })).end(
          'failed',
        );
      await sb.flush();
    });
    after(() => s.close());

    test('tag, score, note, review, and the filters that find them', async () => {
      assert.deepEqual((await sb.review.tag('c-1', { addTags: ['Refund'] })).tags, ['refund']);
      assert.deepEqual((await sb.review.score('c-1', 'quality', 4, { comment: 'ok' })).scores, { quality: 4 });
      const note = await sb.review.note('c-1', 'call back');
      assert.equal(note.body, 'call back');
      assert.ok((await sb.review.markReviewed('c-2')).reviewedAt);
      assert.deepEqual(
        (await sb.sessions.listPage({ tag: ['refund'] })).data.map((x) => x.id),
        ['c-1'],
      );
      assert.deepEqual(
        (await sb.sessions.listPage({ 'score.quality[gte]': 4 })).data.map((x) => x.id),
        ['c-1'],
      );
      assert.deepEqual(
        (await sb.sessions.listPage({ reviewed: true })).data.map((x) => x.id),
        ['c-2'],
      );
      assert.equal((await sb.sessions.metrics({ tag: 'refund' })).scores.quality.mean, 4);
      const detail = await sb.sessions.get('c-1');
      assert.equal(detail.notes[0].body, 'call back');
      assert.equal(detail.scoreDetails[0].comment, 'ok');
      assert.deepEqual(await sb.review.tags(), [{ tag: 'refund', count: 1 }]);
      await sb.review.deleteNote('c-1', note.id);
      assert.equal((await sb.sessions.get('c-1')).notes.length, 0);
    });

    test('views and a bulk job to the end', async () => {
      assert.ok((await sb.review.views()).some((v) => v.name === 'Needs review'));
      const v = await sb.review.createView({ name: 'Refunds', query: 'tag=refund' });
      assert.equal((await sb.review.updateView(v.id, { name: 'Refunds!' })).name, 'Refunds!');
      await sb.review.deleteView(v.id);
      const { jobId } = await sb.review.bulk({ status: 'failed' }, { addTags: ['triage'] });
      let job = await sb.review.job(jobId);
      while (job.status !== 'succeeded') job = await sb.review.job(jobId);
      assert.deepEqual([job.total, job.done, job.failed], [3, 3, 0]);
      assert.equal((await sb.sessions.listPage({ tag: 'triage' })).pagination.total, 3);
    });

    test('a read key is refused with a typed error', async () => {
      const key = await s.t.key(['read']);
      const reader = new Switchboard({ baseUrl: s.url, apiKey: key });
      await assert.rejects(reader.review.markReviewed('c-3'), PermissionDeniedError);
    });
  });
}
