/**
 * Invitations by e-mail (services/mail.ts, services/accounts.ts) against a real SMTP server on a
 * port of its own: the message arrives with the right recipient, subject and a link that works;
 * a refused recipient, a mail server that is down, silent or refuses the password leave the
 * invitation made, `emailed: false` and the reason in words, quickly; no password in any of it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Invitation } from '@switchboard/contracts';
import { Mailer } from '../../src/services/mail.js';
import { invitationMessage } from '../../src/services/accounts.js';
import { DIALECTS, type TestContext, assertShape, call, setup } from '../helpers.js';
import { type MailServer, SMTP_PASSWORD, startMailServer } from '../mail-server.js';
import { freePort } from '../oidc-issuer.js';
import { PASSWORD, type Person, firstAdmin, personFrom, tokenOf } from '../people.js';

const PUBLIC_URL = 'https://switchboard.example.com';

for (const dialect of DIALECTS) {
  describe(`invitations by e-mail (${dialect})`, () => {
    let mail: MailServer;
    let t: TestContext;
    let ada: Person;
    before(async () => {
      mail = await startMailServer();
      t = await setup(dialect, { publicUrl: PUBLIC_URL, accounts: { smtp: mail.config() } });
      ada = await firstAdmin(t, 'ada@example.com', 'Ada <b>Admin</b> & Co');
    });
    after(async () => {
      await t.close();
      await mail.close();
    });

    test('the link arrives by e-mail to the person, and following it makes them a member', async (c) => {
      const started = Date.now();
      const res = await ada.call('POST', '/api/v1/users/invitations', { email: 'Grace@Example.com', role: 'reviewer' });
      c.diagnostic(`invited and e-mailed in ${Date.now() - started} ms`);
      assert.equal(res.statusCode, 201, res.body);
      assertShape(Invitation, res.json());
      const inv = res.json();
      assert.equal(inv.emailed, true);
      assert.equal(inv.emailError, null);
      assert.ok(inv.url.startsWith(`${PUBLIC_URL}/invite#token=`), inv.url);

      const message = await mail.next();
      assert.deepEqual(message.envelopeTo, ['grace@example.com']);
      assert.equal(message.to && 'text' in message.to ? message.to.text : '', 'grace@example.com');
      assert.deepEqual(message.from?.value, [{ name: 'Switchboard', address: 'switchboard@example.com' }]);
      assert.equal(message.subject, 'Ada <b>Admin</b> & Co invited you to Switchboard');
      assert.ok(message.text?.includes(inv.url), 'the plain-text body carries the link');
      assert.match(message.text ?? '', /as a reviewer/);
      // The HTML escapes the inviter's name and carries the same link (with & as &amp;, if any).
      const html = String(message.html);
      assert.ok(html.includes('Ada &lt;b&gt;Admin&lt;/b&gt; &amp; Co invited you'), html);
      assert.ok(!html.includes('<b>Admin</b>'), 'no markup from a name');
      assert.ok(html.includes(`href="${inv.url}"`), 'the button links to the invitation');

      // Following the e-mailed link: the dashboard's /invite page posts the token from its fragment.
      const link = /https:\/\/\S+\/invite#token=[\w-]+/.exec(message.text ?? '')?.[0] ?? '';
      assert.equal(link, inv.url);
      const accept = await call(t.app, null, 'POST', '/api/v1/auth/invitations/accept', {
        token: tokenOf(link),
        name: 'Grace Hopper',
        password: PASSWORD,
      });
      assert.equal(accept.statusCode, 201, accept.body);
      const grace = personFrom(t, accept);
      assert.equal(grace.email, 'grace@example.com');
      assert.equal(grace.role, 'reviewer');

      const audit = await ada.call('GET', '/api/v1/audit?action=user.invited');
      assert.equal(audit.json().data[0].details.emailed, true);
    });

    test('a recipient the mail server refuses: the invitation is made, not e-mailed, and says why', async () => {
      const res = await ada.call('POST', '/api/v1/users/invitations', { email: 'refuse@example.com', role: 'viewer' });
      assert.equal(res.statusCode, 201, res.body);
      assertShape(Invitation, res.json());
      const inv = res.json();
      assert.equal(inv.emailed, false);
      assert.match(inv.emailError, /mail server 127\.0\.0\.1:\d+ refused the sender or the recipient: 550 .*refuse@/);
      const accept = await call(t.app, null, 'POST', '/api/v1/auth/invitations/accept', {
        token: tokenOf(inv.url),
        name: 'Refused But Invited',
        password: PASSWORD,
      });
      assert.equal(accept.statusCode, 201, 'the link still works when given by hand');
      const audit = await ada.call('GET', '/api/v1/audit?action=user.invited');
      assert.equal(audit.json().data[0].details.emailed, false);
    });

    test('a mail server that is down: made at once, not e-mailed, the reason in words', async (c) => {
      const port = await freePort();
      const down = await setup(dialect, {
        publicUrl: PUBLIC_URL,
        accounts: { smtp: { ...mail.config(), port } },
      });
      try {
        const admin = await firstAdmin(down);
        const started = Date.now();
        const res = await admin.call('POST', '/api/v1/users/invitations', { email: 'ida@example.com', role: 'viewer' });
        const took = Date.now() - started;
        assert.equal(res.statusCode, 201, res.body);
        assertShape(Invitation, res.json());
        assert.equal(res.json().emailed, false);
        assert.equal(
          res.json().emailError,
          `the mail server 127.0.0.1:${port} refused the connection (is it running, and is the port right?)`,
        );
        c.diagnostic(`answered in ${took} ms with the mail server down`);
        assert.ok(took < 5000, `answered in ${took} ms`);
        const users = await down.app.services.accounts.list(down.orgId);
        assert.equal(users.data.length, 1, 'nobody joins until the link is used');
        const accept = await call(down.app, null, 'POST', '/api/v1/auth/invitations/accept', {
          token: tokenOf(res.json().url),
          name: 'Ida',
          password: PASSWORD,
        });
        assert.equal(accept.statusCode, 201);
      } finally {
        await down.close();
      }
    });
  });
}

describe('the mailer on its own', () => {
  let mail: MailServer;
  let silent: Server;
  const sockets: Socket[] = [];
  before(async () => {
    mail = await startMailServer();
    // Takes the connection and never says a word: a mail server that hangs.
    silent = createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await mail.close();
  });
  const message = invitationMessage({
    to: 'ken@example.com',
    role: 'admin',
    url: `${PUBLIC_URL}/invite#token=abc`,
    expiresAt: Date.UTC(2030, 0, 8, 9, 30),
    inviter: null,
  });

  test('the message: a subject without an inviter, the expiry in UTC, the role in words', () => {
    assert.equal(message.subject, 'You are invited to Switchboard');
    assert.match(message.text, /join Switchboard at switchboard\.example\.com as an admin/);
    assert.match(message.text, /until Tue, 08 Jan 2030 09:30 UTC/);
  });

  test('a mail server that never answers: given up after the timeout', async (c) => {
    const port = (silent.address() as { port: number }).port;
    const mailer = new Mailer(mail.config({ port, timeoutMs: 800 }));
    const started = Date.now();
    const result = await mailer.send(message);
    const took = Date.now() - started;
    c.diagnostic(`gave up after ${took} ms (timeout 800 ms)`);
    assert.deepEqual(result, { sent: false, reason: `the mail server 127.0.0.1:${port} did not answer within 0.8 s` });
    assert.ok(took >= 700 && took < 4000, `gave up after ${took} ms`);
  });

  test('a wrong password: refused in words that never repeat it', async () => {
    const mailer = new Mailer(mail.config({ password: 'not the password' }));
    const result = await mailer.send(message);
    assert.equal(result.sent, false);
    const reason = result.sent ? '' : result.reason;
    assert.match(reason, /did not accept the user name and password of SWITCHBOARD_SMTP_URL: 535/);
    assert.ok(!reason.includes('not the password') && !reason.includes(SMTP_PASSWORD), reason);
  });

  test('the right password: sent', async () => {
    assert.deepEqual(await new Mailer(mail.config()).send(message), { sent: true });
    assert.deepEqual((await mail.next()).envelopeTo, ['ken@example.com']);
  });
});
