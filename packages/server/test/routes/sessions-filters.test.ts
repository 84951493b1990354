/**
 * The indexed paths of the shared filters (migration 0007, src/store/filters.ts): metadata
 * through session_metadata and its counters as sessions are created, patched, batched and
 * ended; search through the id-prefix and trigram indexes, terms too short for trigrams; words
 * of a transcript arriving in later messages; and no row of another organization ever matching.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Metrics, SessionList } from '@switchboard/contracts';
import { DIALECTS, type TestContext, assertShape, call, seed, session, setup } from '../helpers.js';

type Meta = Record<string, string | number | boolean | null>;
interface Model {
  id: string;
  agent: string;
  channel: string;
  status: string;
  metadata: Meta;
}

const text = (v: Meta[string]) => (v === null ? 'null' : String(v));

for (const dialect of DIALECTS) {
  describe(`indexed filters (${dialect})`, () => {
    let t: TestContext;
    let other: { orgId: string; key: string };
    const model = new Map<string, Model>();
    const base = Date.now() - 3_600_000;

    const post = (url: string, body: unknown, key = t.adminKey) => call(t.app, key, 'POST', `/api/v1${url}`, body);
    const get = (url: string, key = t.adminKey) => call(t.app, key, 'GET', `/api/v1${url}`);
    const qs = (p: Record<string, string>) => new URLSearchParams({ limit: '500', ...p }).toString();

    /** Ids (newest first), total and metrics of a filter against the model's. */
    const expect = async (params: Record<string, string>, pred: (s: Model) => boolean) => {
      const want = [...model.values()].filter(pred);
      const res = await get(`/sessions?${qs(params)}`);
      assert.equal(res.statusCode, 200, res.body);
      assertShape(SessionList, res.json());
      const body = res.json();
      assert.deepEqual(
        body.data.map((s: { id: string }) => s.id),
        // Started one millisecond apart in insertion order: newest first is the reverse.
        want.map((s) => s.id).reverse(),
        JSON.stringify(params),
      );
      assert.equal(body.pagination.total, want.length, JSON.stringify(params));
      const m = await get(`/sessions/metrics?${new URLSearchParams(params)}`);
      assert.equal(m.statusCode, 200, m.body);
      assertShape(Metrics, m.json());
      assert.equal(m.json().totalSessions, want.length, `metrics ${JSON.stringify(params)}`);
      assert.equal(m.json().byStatus.completed, want.filter((s) => s.status === 'completed').length);
      assert.equal(m.json().byChannel.phone, want.filter((s) => s.channel === 'phone').length);
      assert.equal(m.json().recentSessions, want.length);
    };

    const create = async (s: Model, n: number, key = t.adminKey) => {
      const res = await post(
        '/sessions',
        session({
          id: s.id,
          agent: { id: s.agent, name: s.agent === 'front-desk' ? 'Front Desk' : 'Night Owl' },
          channel: s.channel,
          startedAt: new Date(base + n).toISOString(),
          metadata: s.metadata,
        }),
        key,
      );
      assert.equal(res.statusCode, 201, res.body);
    };

    before(async () => {
      t = await setup(dialect);
      other = await t.otherOrg();
      const rows: Model[] = [
        { id: 'a_b-1', agent: 'front-desk', channel: 'web', status: 'active', metadata: { plan: 'pro', n: 42 } },
        { id: 'axb-2', agent: 'night-owl', channel: 'phone', status: 'active', metadata: { plan: 'free', vip: true } },
        { id: 'a.b-3', agent: 'night-owl', channel: 'web', status: 'active', metadata: { plan: 'pro', gone: null } },
        { id: 'AB-4', agent: 'front-desk', channel: 'phone', status: 'active', metadata: { plan: 'pro', n: 4.5 } },
        { id: 'zz-5', agent: 'night-owl', channel: 'web', status: 'active', metadata: { region: 'eu-west', x: 'q%r' } },
      ];
      for (const [i, s] of rows.entries()) {
        model.set(s.id, s);
        await create(s, i);
        // The same ids, agents and metadata in another organization: none of it may ever match.
        await create(s, i, other.key);
      }
    });
    after(() => t.close());

    test('metadata: strings, numbers, booleans and null compare as their text', async () => {
      await expect({ 'metadata.plan': 'pro' }, (s) => s.metadata.plan === 'pro');
      await expect({ 'metadata.n': '42' }, (s) => s.metadata.n === 42);
      await expect({ 'metadata.n': '4.5' }, (s) => s.metadata.n === 4.5);
      await expect({ 'metadata.n': '42.0' }, () => false);
      await expect({ 'metadata.vip': 'true' }, (s) => s.metadata.vip === true);
      await expect({ 'metadata.gone': 'null' }, (s) => 'gone' in s.metadata && s.metadata.gone === null);
      await expect(
        { 'metadata.plan': 'pro', channel: 'phone' },
        (s) => s.metadata.plan === 'pro' && s.channel === 'phone',
      );
      await expect(
        { 'metadata.plan': 'pro', agentId: 'front-desk' },
        (s) => s.metadata.plan === 'pro' && s.agent === 'front-desk',
      );
      await expect(
        { 'metadata.plan': 'pro', 'metadata.n': '42' },
        (s) => s.metadata.plan === 'pro' && s.metadata.n === 42,
      );
    });

    test('metadata: cursor and offset paging walk every match once, in order', async () => {
      const want = [...model.values()]
        .filter((s) => s.metadata.plan === 'pro')
        .map((s) => s.id)
        .reverse();
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`/sessions?${qs({ 'metadata.plan': 'pro', limit: '1', ...(cursor ? { cursor } : {}) })}`);
        assert.equal(res.statusCode, 200, res.body);
        seen.push(...res.json().data.map((s: { id: string }) => s.id));
        cursor = res.json().pagination.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, want);
      const second = (await get(`/sessions?${qs({ 'metadata.plan': 'pro', limit: '1', offset: '1' })}`)).json();
      assert.deepEqual(
        second.data.map((s: { id: string }) => s.id),
        want.slice(1, 2),
      );
    });

    test('metadata follows PATCH (a null deletes the key), batch updates and endings', async () => {
      const patch = async (id: string, body: unknown) => {
        const res = await call(t.app, t.adminKey, 'PATCH', `/api/v1/sessions/${id}`, body);
        assert.equal(res.statusCode, 200, res.body);
      };
      await patch('a_b-1', { metadata: { plan: 'free', n: null } });
      model.get('a_b-1')!.metadata = { plan: 'free' };
      await patch('AB-4', { status: 'completed' });
      model.get('AB-4')!.status = 'completed';
      await patch('a.b-3', { status: 'completed', metadata: { plan: 'enterprise' } });
      Object.assign(model.get('a.b-3')!, { status: 'completed', metadata: { plan: 'enterprise', gone: null } });
      await seed(t.app, t.adminKey, [
        { type: 'session.update', body: { id: 'axb-2', metadata: { plan: 'pro', vip: false } } },
        { type: 'session.update', body: { id: 'zz-5', status: 'completed', metadata: { region: null } } },
      ]);
      model.get('axb-2')!.metadata = { plan: 'pro', vip: false };
      Object.assign(model.get('zz-5')!, { status: 'completed', metadata: { x: 'q%r' } });

      for (const plan of ['pro', 'free', 'enterprise'])
        await expect({ 'metadata.plan': plan }, (s) => s.metadata.plan === plan);
      await expect({ 'metadata.n': '42' }, () => false);
      await expect({ 'metadata.vip': 'false' }, (s) => s.metadata.vip === false);
      await expect({ 'metadata.region': 'eu-west' }, () => false);
      await expect(
        { 'metadata.plan': 'pro', status: 'completed' },
        (s) => s.metadata.plan === 'pro' && s.status === 'completed',
      );
      // The other organization's copies were never touched.
      const theirs = (await get('/sessions/metrics?metadata.plan=pro', other.key)).json();
      assert.equal(theirs.totalSessions, 3);
    });

    test('search: id prefixes with LIKE wildcards, short terms, trigram terms, tenant isolation', async () => {
      const matches = (s: Model, term: string) => {
        const q = term.toLowerCase();
        const name = s.agent === 'front-desk' ? 'Front Desk' : 'Night Owl';
        const hay = [s.agent, name, ...Object.entries(s.metadata).flatMap(([k, v]) => [k, text(v)])];
        return s.id.toLowerCase().startsWith(q) || hay.some((h) => h.toLowerCase().includes(q));
      };
      for (const term of [
        'a_b',
        'a.b',
        'ab',
        'A',
        'a',
        'x',
        '%',
        '_',
        'q%r',
        'q%',
        'front',
        'FRONT D',
        'eu-w',
        'nothing',
      ])
        await expect({ search: term }, (s) => matches(s, term));
      await expect(
        { search: 'front', 'metadata.plan': 'pro' },
        (s) => matches(s, 'front') && s.metadata.plan === 'pro',
      );
    });

    test('transcript: words arriving in later messages, late messages and duplicates', async () => {
      const send = async (id: string, messages: unknown[]) => {
        const res = await post(`/sessions/${id}/messages`, { messages });
        assert.equal(res.statusCode, 201, res.body);
      };
      await send('axb-2', [{ id: 'm1', sender: 'user', content: 'hello refund' }]);
      await send('axb-2', [{ sender: 'agent', content: 'your invoice is ready' }]);
      await send('axb-2', [{ sender: 'user', content: 'refund invoice' }]);
      // zz-5 has ended: a late message still counts, a duplicate id is not stored twice.
      await send('zz-5', [{ id: 'late', sender: 'user', content: 'late invoice' }]);
      await send('zz-5', [{ id: 'late', sender: 'user', content: 'late invoice' }]);
      await send('zz-5', [{ sender: 'agent', content: 'refund sent' }]);
      // The other organization's same-id session says the same words: it must not match here.
      await post(
        '/sessions/axb-2/messages',
        { messages: [{ sender: 'user', content: 'refund invoice zebra' }] },
        other.key,
      );
      await expect({ transcript: 'refund invoice' }, (s) => s.id === 'axb-2' || s.id === 'zz-5');
      await expect({ transcript: 'hello' }, (s) => s.id === 'axb-2');
      await expect({ transcript: 'late refund' }, (s) => s.id === 'zz-5');
      await expect({ transcript: 'zebra' }, () => false);
    });

    test('transcript: the page lists each session’s first matching lines, cut around the word', async () => {
      const long = `${'Some long preamble about the weather and other things. '.repeat(6)}Then the word Refund! appears here, ${'and a long tail follows it. '.repeat(6)}`;
      assert.equal((await post('/sessions', session({ id: 'snip-1' }))).statusCode, 201);
      const res = await post('/sessions/snip-1/messages', {
        messages: [
          { id: 's1', sender: 'user', content: 'nothing to see' },
          { id: 's2', sender: 'user', content: long },
          { id: 's3', sender: 'agent', content: 'a refunded order is not a whole-word match' },
          { id: 's4', sender: 'agent', content: 'sending the REFUND now' },
          { id: 's5', sender: 'user', content: 'refund three is past the first two' },
        ],
      });
      assert.equal(res.statusCode, 201, res.body);
      const page = (await get(`/sessions?${qs({ transcript: 'refund', search: 'snip' })}`)).json();
      assertShape(SessionList, page);
      assert.deepEqual(
        page.matches.map((m: { messageId: string; seq: number }) => m.messageId),
        ['s2', 's4'],
      );
      const [first, second] = page.matches;
      assert.equal(first.sessionId, 'snip-1');
      assert.equal(first.sender, 'user');
      assert.ok(first.snippet.length <= 162, first.snippet);
      assert.match(first.snippet, /^….*Refund!.*…$/);
      assert.equal(second.snippet, 'sending the REFUND now');
      // Every session of a page gets its lines, in page order; none without the filter.
      const all = (await get(`/sessions?${qs({ transcript: 'refund' })}`)).json();
      const order = all.data.map((s: { id: string }) => s.id);
      const seen = [...new Set(all.matches.map((m: { sessionId: string }) => m.sessionId))];
      assert.deepEqual(seen, order);
      assert.equal((await get(`/sessions?${qs({ search: 'snip' })}`)).json().matches, undefined);
      // The other organization's words never show here.
      assert.ok(!all.matches.some((m: { snippet: string }) => /zebra/.test(m.snippet)));
    });

    test('search and transcript pages, by offset and by cursor, in both directions, match the whole list', async () => {
      const cases: Array<Record<string, string>> = [
        { transcript: 'refund' },
        { search: 'front' },
        { search: 'a', transcript: 'invoice' },
      ];
      for (const params of cases)
        for (const sort of ['-startedAt', 'startedAt']) {
          const all = (await get(`/sessions?${qs({ ...params, sort })}`)).json();
          const ids = all.data.map((s: { id: string }) => s.id);
          const byOffset: string[] = [];
          for (let offset = 0; offset < ids.length; offset += 2) {
            const page = (await get(`/sessions?${qs({ ...params, sort, limit: '2', offset: String(offset) })}`)).json();
            assert.equal(page.pagination.total, all.pagination.total);
            byOffset.push(...page.data.map((s: { id: string }) => s.id));
          }
          assert.deepEqual(byOffset, ids, `offset ${JSON.stringify(params)} ${sort}`);
          const byCursor: string[] = [];
          let cursor: string | null = null;
          do {
            const q: Record<string, string> = { ...params, sort, limit: '2', ...(cursor ? { cursor } : {}) };
            const page = (await get(`/sessions?${qs(q)}`)).json();
            byCursor.push(...page.data.map((s: { id: string }) => s.id));
            cursor = page.pagination.nextCursor;
          } while (cursor);
          assert.deepEqual(byCursor, ids, `cursor ${JSON.stringify(params)} ${sort}`);
        }
    });
  });
}
