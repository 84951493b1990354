/**
 * A real SMTP server for tests (smtp-server, on a port of its own) that keeps every message it
 * accepts, parsed by mailparser. It asks for a user name and password, refuses recipients whose
 * address starts with `refuse`, and offers no STARTTLS (it has no certificate a client would trust).
 */
import { type ParsedMail, simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { SmtpConfig } from '../src/config.js';

export const SMTP_USER = 'switchboard';
/** With characters that must be percent-encoded in a URL. */
export const SMTP_PASSWORD = 'p@ss:word/42';

export interface MailServer {
  port: number;
  /** SWITCHBOARD_SMTP_URL for this server. */
  url: string;
  /** The same as the server's config (services/mail.ts), for apps built in-process. */
  config(overrides?: Partial<SmtpConfig>): SmtpConfig;
  received: Array<ParsedMail & { envelopeTo: string[] }>;
  /** Waits for the next message to arrive (they are checked in order). */
  next(timeoutMs?: number): Promise<ParsedMail & { envelopeTo: string[] }>;
  close(): Promise<void>;
}

export async function startMailServer(): Promise<MailServer> {
  const received: MailServer['received'] = [];
  let taken = 0;
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      if (!address.address.startsWith('refuse')) return callback();
      const err = Object.assign(new Error(`No such mailbox: ${address.address}`), { responseCode: 550 });
      callback(err);
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(Object.assign(mail, { envelopeTo: session.envelope.rcptTo.map((r) => r.address) }));
          for (const w of waiters.splice(0)) w();
          callback();
        },
        (err) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${port}`,
    config: (overrides = {}) => ({
      host: '127.0.0.1',
      port,
      secure: false,
      user: SMTP_USER,
      password: SMTP_PASSWORD,
      from: 'Switchboard <switchboard@example.com>',
      timeoutMs: 10_000,
      ...overrides,
    }),
    received,
    async next(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length <= taken) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no e-mail arrived within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received[taken++];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
