/**
 * Outgoing e-mail through the SMTP server of SWITCHBOARD_SMTP_URL (docs/SECURITY.md#invitations-by-e-mail).
 * Mail is a courtesy on top of a link the admin already has: `send` never throws, and gives up
 * after the configured timeout, so a mail server that is down or slow costs a request a few
 * seconds at most and says why in words.
 */
import { createTransport } from 'nodemailer';
import type { SmtpConfig } from '../config.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export type MailResult = { sent: true } | { sent: false; reason: string };

/** What nodemailer's errors carry besides a message (its NodemailerError, without importing internals). */
interface SmtpError extends Error {
  code?: string;
  originalCode?: string;
  response?: string;
  responseCode?: number;
}

export class Mailer {
  constructor(private readonly config: SmtpConfig) {}

  /** Where mail goes, for logs and messages: the host and port, never the user or password. */
  get server(): string {
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    return `${host}:${this.config.port}`;
  }

  async send(message: MailMessage): Promise<MailResult> {
    const { config } = this;
    const ms = config.timeoutMs;
    // One connection per message: invitations are rare, and nothing stays open between them.
    const transport = createTransport({
      host: config.host,
      port: config.port,
      secure: config.secure,
      auth: config.user !== undefined ? { user: config.user, pass: config.password ?? '' } : undefined,
      // Every step has the whole budget at most; the race below bounds their sum.
      connectionTimeout: ms,
      greetingTimeout: ms,
      socketTimeout: ms,
      dnsTimeout: ms,
      socketCloseTimeout: 0,
      // nodemailer's own logging is off: its debug lines would carry the AUTH exchange.
      logger: false,
      debug: false,
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<MailResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ sent: false, reason: `the mail server ${this.server} did not answer within ${ms / 1000} s` }),
        ms,
      );
    });
    try {
      return await Promise.race([
        transport.sendMail({ from: config.from, ...message }).then(
          (info): MailResult =>
            info.rejected?.length
              ? { sent: false, reason: `the mail server ${this.server} refused ${info.rejected.join(', ')}` }
              : { sent: true },
          (err: SmtpError): MailResult => ({ sent: false, reason: this.reasonOf(err) }),
        ),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
      transport.close();
    }
  }

  /** A failure in words a person can act on; the server's own reply when it gave one. */
  private reasonOf(err: SmtpError): string {
    const server = `the mail server ${this.server}`;
    const reply = err.response ? `: ${err.response.replace(/\s+/g, ' ').trim().slice(0, 200)}` : '';
    const cause = err.originalCode ?? err.code;
    switch (cause) {
      case 'ECONNREFUSED':
        return `${server} refused the connection (is it running, and is the port right?)`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
      case 'EDNS':
        return `${server} was not found (the host name does not resolve)`;
      case 'ETIMEDOUT':
        return `${server} did not answer within ${this.config.timeoutMs / 1000} s`;
      case 'EAUTH':
      case 'ENOAUTH':
        return `${server} did not accept the user name and password of SWITCHBOARD_SMTP_URL${reply}`;
      case 'ETLS':
        return `the TLS handshake with ${server} failed: ${err.message}`;
      case 'EENVELOPE':
        return `${server} refused the sender or the recipient${reply || `: ${err.message}`}`;
      case 'EMESSAGE':
        return `${server} refused the message${reply || `: ${err.message}`}`;
      default:
        return `sending through ${server} failed: ${err.message}`;
    }
  }
}
