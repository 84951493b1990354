/**
 * Configuration (the table in README.md): environment variables, each with a matching `switchboard serve`
 * flag (`--port 9000` or `--port=9000`). Flags win over the environment.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseRecordingHosts, type RedactionDetector } from '@switchboard/contracts';
import { parseDetectorList } from './lib/redaction/engine.js';
import { chooseLogFormat, LOG_FORMATS, type LogFormat } from './lib/log-format.js';
import { parseEncryptionKey } from './lib/secret-box.js';
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from './lib/transcript.js';
import { parseDatabaseUrl } from './store/db.js';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /**
   * A PostgreSQL read replica for the read API (list, metrics, timeseries, detail, agents,
   * export); writes, auth, rate limits and the live stream stay on DATABASE_URL.
   */
  databaseReadUrl?: string;
  adminKey?: string;
  /** Seconds of silence after which an active session is ended as failed; 0 turns it off. */
  idleTimeout: number;
  /** Seconds between alert evaluations (SWITCHBOARD_ALERT_INTERVAL, default 30). */
  alertInterval: number;
  /** Seconds of silence after which a session from OTLP traces ends as completed ("inactive"); 0 never. */
  otlpSessionIdle: number;
  /** SWITCHBOARD_REDACT: the detectors of organizations without their own setting (docs/REDACTION.md). */
  redact: RedactionDetector[];
  logLevel: string;
  /**
   * `pretty` (short lines for a person) in a terminal, `json` (one object a line) otherwise;
   * SWITCHBOARD_LOG_FORMAT or `--log-format` chooses either everywhere.
   */
  logFormat: LogFormat;
  /** Where the built dashboard lives; the dashboard is not served when it does not exist. */
  webDir: string;
  /**
   * SWITCHBOARD_DATA_DIR: folder for admin.key and secret.key (created 0700); by default the
   * SQLite file's folder, or ./data with PostgreSQL.
   */
  dataDir: string;
  /**
   * Fastify's trustProxy: whose X-Forwarded-For/-Proto to believe (false, true, or addresses and
   * CIDRs), so logs show the client's address behind a reverse proxy, not the proxy's.
   */
  trustProxy: boolean | string;
  /** Base URL printed in the first-start login link. */
  publicUrl: string;
  /**
   * Requests a minute per API key (`login`: sign-in attempts a minute per client address and per
   * key); 0 turns that limit off.
   */
  rateLimits: { read: number; ingest: number; export: number; admin: number; login: number };
  /** Webhook delivery (docs/WEBHOOKS.md): retry delays in seconds, answer timeout, private targets. */
  webhooks: { retrySchedule: number[]; timeoutSeconds: number; allowPrivate: boolean };
  /** SWITCHBOARD_ENCRYPTION_KEY: encrypts webhook secrets at rest (lib/secret-box.ts). */
  encryptionKey?: Buffer;
  /**
   * Months of sessions to keep past the current one (services/retention.ts); 0, the default,
   * keeps everything: retention is unlimited unless an operator limits it.
   */
  retentionMonths: number;
  /**
   * Hosts the dashboard may play session recordings from (`metadata.recordingUrl`), as CSP host
   * sources: `media.example.com`, `*.example.com`, `host:8443`. Empty: no recording is loaded.
   */
  recordingHosts: string[];
  /**
   * The most one session may hold: messages, events and bytes of transcript (lib/transcript.ts).
   * An ingest key could otherwise grow one session without end, and every read of it with it.
   */
  sessionLimits: SessionLimits;
  /** Slow and idle clients (plugins/connections.ts), in milliseconds; 0 turns the cap off. */
  http: HttpLimits;
  /** SWITCHBOARD_METRICS_TOKEN: the bearer token `GET /metrics` needs; without one it is off (404). */
  metricsToken?: string;
  /** SSO through an OpenID Connect issuer (SWITCHBOARD_OIDC_*); off when no issuer is set. */
  oidc?: OidcConfig;
  /** Invitations also go out by e-mail through this server (SWITCHBOARD_SMTP_*); off when no URL is set. */
  smtp?: SmtpConfig;
}

/** An SMTP server to send invitations through (services/mail.ts). */
export interface SmtpConfig {
  host: string;
  port: number;
  /** smtps://: TLS from the first byte (port 465). smtp:// upgrades with STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  /** A secret: never logged, never echoed in an error. */
  password?: string;
  /** The From header: `Name <address>` or an address. */
  from: string;
  /** How long one message may take, connecting included, before the invitation is answered without it. */
  timeoutMs: number;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Unset: only invited addresses may sign in through SSO; set: anyone verified joins with it. */
  defaultRole?: 'viewer' | 'reviewer' | 'admin';
}

export interface HttpLimits {
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (the live stream's GET has none). */
  bodyTimeoutMs: number;
  /** A connection with nothing sent or received for this long is closed (the live stream excepted). */
  idleTimeoutMs: number;
  /** Open connections per client address; trusted proxies are exempt. 0: no cap. */
  maxConnectionsPerAddress: number;
}

/** The defaults: generous for a 5 MiB batch on a slow link, short enough that a trickle is cut. */
export const HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 60_000,
  idleTimeoutMs: 72_000,
  maxConnectionsPerAddress: 256,
};

const FLAGS: Record<string, string> = {
  port: 'PORT',
  host: 'HOST',
  'database-url': 'DATABASE_URL',
  'database-read-url': 'DATABASE_READ_URL',
  'admin-key': 'SWITCHBOARD_ADMIN_KEY',
  'idle-timeout': 'SWITCHBOARD_IDLE_TIMEOUT',
  'alert-interval': 'SWITCHBOARD_ALERT_INTERVAL',
  'otlp-session-idle': 'SWITCHBOARD_OTLP_SESSION_IDLE',
  redact: 'SWITCHBOARD_REDACT',
  'log-level': 'LOG_LEVEL',
  'log-format': 'SWITCHBOARD_LOG_FORMAT',
  'web-dir': 'SWITCHBOARD_WEB_DIR',
  'public-url': 'SWITCHBOARD_PUBLIC_URL',
  'trust-proxy': 'SWITCHBOARD_TRUST_PROXY',
  'webhook-retry-schedule': 'SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE',
  'webhook-timeout': 'SWITCHBOARD_WEBHOOK_TIMEOUT',
  'webhook-allow-private': 'SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE',
  'rate-limit-read': 'SWITCHBOARD_RATE_LIMIT_READ',
  'rate-limit-ingest': 'SWITCHBOARD_RATE_LIMIT_INGEST',
  'rate-limit-export': 'SWITCHBOARD_RATE_LIMIT_EXPORT',
  'rate-limit-admin': 'SWITCHBOARD_RATE_LIMIT_ADMIN',
  'rate-limit-login': 'SWITCHBOARD_RATE_LIMIT_LOGIN',
  'recording-hosts': 'SWITCHBOARD_RECORDING_HOSTS',
  'encryption-key': 'SWITCHBOARD_ENCRYPTION_KEY',
  'data-dir': 'SWITCHBOARD_DATA_DIR',
  'retention-months': 'SWITCHBOARD_RETENTION_MONTHS',
  'session-max-messages': 'SWITCHBOARD_SESSION_MAX_MESSAGES',
  'session-max-events': 'SWITCHBOARD_SESSION_MAX_EVENTS',
  'session-max-bytes': 'SWITCHBOARD_SESSION_MAX_BYTES',
  'headers-timeout': 'SWITCHBOARD_HEADERS_TIMEOUT',
  'body-timeout': 'SWITCHBOARD_BODY_TIMEOUT',
  'connection-idle-timeout': 'SWITCHBOARD_CONNECTION_IDLE_TIMEOUT',
  'max-connections-per-address': 'SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS',
  'metrics-token': 'SWITCHBOARD_METRICS_TOKEN',
  'oidc-issuer': 'SWITCHBOARD_OIDC_ISSUER',
  'oidc-client-id': 'SWITCHBOARD_OIDC_CLIENT_ID',
  'oidc-client-secret': 'SWITCHBOARD_OIDC_CLIENT_SECRET',
  'oidc-default-role': 'SWITCHBOARD_OIDC_DEFAULT_ROLE',
  'smtp-url': 'SWITCHBOARD_SMTP_URL',
  'smtp-from': 'SWITCHBOARD_SMTP_FROM',
  'smtp-timeout': 'SWITCHBOARD_SMTP_TIMEOUT',
};

export class ConfigError extends Error {}

/** Splits `--name value` / `--name=value` flags from the rest of argv. */
export function parseFlags(argv: string[]): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[a.slice(2)] = argv[++i];
    else flags[a.slice(2)] = 'true';
  }
  return { flags, rest };
}

export function loadConfig(flags: Record<string, string> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const get = (name: string) => {
    const flag = Object.entries(FLAGS).find(([, e]) => e === name)?.[0];
    return (flag && flags[flag]) ?? env[name];
  };
  const port = Number(get('PORT') ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT must be 0–65535, got "${get('PORT')}"`);
  const idleTimeout = Number(get('SWITCHBOARD_IDLE_TIMEOUT') ?? 3600);
  if (!Number.isFinite(idleTimeout) || idleTimeout < 0)
    throw new ConfigError(
      `SWITCHBOARD_IDLE_TIMEOUT must be a number of seconds ≥ 0, got "${get('SWITCHBOARD_IDLE_TIMEOUT')}"`,
    );
  const alertInterval = Number(get('SWITCHBOARD_ALERT_INTERVAL') ?? 30);
  if (!Number.isFinite(alertInterval) || alertInterval < 1 || alertInterval > 3600)
    throw new ConfigError(
      `SWITCHBOARD_ALERT_INTERVAL must be a number of seconds from 1 to 3600, got "${get('SWITCHBOARD_ALERT_INTERVAL')}"`,
    );
  const otlpSessionIdle = Number(get('SWITCHBOARD_OTLP_SESSION_IDLE') ?? 900);
  if (!Number.isFinite(otlpSessionIdle) || otlpSessionIdle < 0)
    throw new ConfigError(
      `SWITCHBOARD_OTLP_SESSION_IDLE must be a number of seconds ≥ 0, got "${get('SWITCHBOARD_OTLP_SESSION_IDLE')}"`,
    );
  let redact: RedactionDetector[];
  try {
    redact = parseDetectorList(get('SWITCHBOARD_REDACT') ?? '');
  } catch (err) {
    throw new ConfigError(`SWITCHBOARD_REDACT: ${(err as Error).message}`);
  }
  const databaseUrl = get('DATABASE_URL') || 'sqlite:./data/switchboard.db';
  const parsed = parseDatabaseUrl(databaseUrl);
  const databaseReadUrl = get('DATABASE_READ_URL') || undefined;
  // A replica of an SQLite file is the file itself: there is nothing to gain.
  if (databaseReadUrl !== undefined && (!/^postgres(ql)?:\/\//.test(databaseReadUrl) || parsed.dialect !== 'postgres'))
    throw new ConfigError('DATABASE_READ_URL must be a postgres:// replica of the PostgreSQL in DATABASE_URL');
  const host = get('HOST') || '127.0.0.1';
  const dataDirText = get('SWITCHBOARD_DATA_DIR')?.trim();
  const dataDir = dataDirText
    ? resolve(dataDirText)
    : parsed.dialect === 'sqlite' && parsed.target !== ':memory:'
      ? dirname(resolve(parsed.target))
      : resolve('data');
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const quota = (name: string, fallback: number) => {
    const raw = get(name);
    const n = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 0)
      throw new ConfigError(`${name} must be a whole number of requests a minute ≥ 0, got "${raw}"`);
    return n;
  };
  const rateLimits = {
    read: quota('SWITCHBOARD_RATE_LIMIT_READ', 1200),
    ingest: quota('SWITCHBOARD_RATE_LIMIT_INGEST', 6000),
    export: quota('SWITCHBOARD_RATE_LIMIT_EXPORT', 10),
    admin: quota('SWITCHBOARD_RATE_LIMIT_ADMIN', 1200),
    login: quota('SWITCHBOARD_RATE_LIMIT_LOGIN', 20),
  };
  const webhooks = webhookConfig(get);
  const ceiling = (name: string, fallback: number, unit: string) => {
    const raw = get(name);
    const n = raw === undefined || raw.trim() === '' ? fallback : Number(raw);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new ConfigError(`${name} must be a whole number of ${unit} ≥ 1, got "${raw}"`);
    return n;
  };
  const sessionLimits: SessionLimits = {
    maxMessages: ceiling('SWITCHBOARD_SESSION_MAX_MESSAGES', DEFAULT_SESSION_LIMITS.maxMessages, 'messages'),
    maxEvents: ceiling('SWITCHBOARD_SESSION_MAX_EVENTS', DEFAULT_SESSION_LIMITS.maxEvents, 'events'),
    maxBytes: ceiling('SWITCHBOARD_SESSION_MAX_BYTES', DEFAULT_SESSION_LIMITS.maxBytes, 'bytes'),
  };
  const retentionText = get('SWITCHBOARD_RETENTION_MONTHS');
  const retentionMonths = retentionText === undefined || retentionText.trim() === '' ? 0 : Number(retentionText);
  // Whole months only: retention drops whole monthly partitions.
  if (!Number.isInteger(retentionMonths) || retentionMonths < 0 || retentionMonths > 1200)
    throw new ConfigError(
      `SWITCHBOARD_RETENTION_MONTHS must be a whole number of months from 0 to 1200 (0 keeps everything), got "${retentionText}"`,
    );
  const proxyText = get('SWITCHBOARD_TRUST_PROXY')?.trim() ?? '';
  const trustProxy = proxyText === '' || proxyText === 'false' ? false : proxyText === 'true' ? true : proxyText;
  if (typeof trustProxy === 'string' && !/^[0-9A-Fa-f.:/, ]+$/.test(trustProxy))
    throw new ConfigError(
      `SWITCHBOARD_TRUST_PROXY must be true, false, or comma-separated addresses or CIDRs, got "${proxyText}"`,
    );
  const keyText = get('SWITCHBOARD_ENCRYPTION_KEY');
  let encryptionKey: Buffer | undefined;
  if (keyText) {
    try {
      encryptionKey = parseEncryptionKey(keyText);
    } catch (err) {
      // Never echo the value: it is a secret.
      throw new ConfigError(`SWITCHBOARD_ENCRYPTION_KEY ${(err as Error).message}`);
    }
  }
  const recordingText = get('SWITCHBOARD_RECORDING_HOSTS') ?? '';
  let recordingHosts: string[];
  try {
    recordingHosts = parseRecordingHosts(recordingText);
  } catch (err) {
    throw new ConfigError(`SWITCHBOARD_RECORDING_HOSTS ${(err as Error).message}`);
  }
  const metricsToken = get('SWITCHBOARD_METRICS_TOKEN')?.trim() || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,256}$/.test(metricsToken))
    // Never echo the value: it is a secret.
    throw new ConfigError('SWITCHBOARD_METRICS_TOKEN must be 16–256 printable characters without spaces');
  const publicUrl = (get('SWITCHBOARD_PUBLIC_URL') || `http://${shownHost}:${port}`).replace(/\/$/, '');
  return {
    oidc: oidcConfig(get),
    smtp: smtpConfig(get, publicUrl),
    recordingHosts,
    http: httpConfig(get),
    metricsToken,
    encryptionKey,
    retentionMonths,
    sessionLimits,
    port,
    host,
    rateLimits,
    webhooks,
    databaseUrl,
    databaseReadUrl,
    adminKey: get('SWITCHBOARD_ADMIN_KEY') || undefined,
    idleTimeout,
    alertInterval,
    otlpSessionIdle,
    redact,
    logLevel: get('LOG_LEVEL') || 'info',
    logFormat: logFormatOf(flags['log-format'], env.SWITCHBOARD_LOG_FORMAT),
    webDir: resolve(get('SWITCHBOARD_WEB_DIR') || defaultWebDir()),
    dataDir,
    trustProxy,
    publicUrl,
  };
}

function oidcConfig(get: (name: string) => string | undefined): OidcConfig | undefined {
  const issuer = get('SWITCHBOARD_OIDC_ISSUER')?.trim();
  if (!issuer) return undefined;
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(`SWITCHBOARD_OIDC_ISSUER must be the issuer's URL, got "${issuer}"`);
  }
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local))
    throw new ConfigError('SWITCHBOARD_OIDC_ISSUER must be an https:// URL (http:// only on localhost)');
  const clientId = get('SWITCHBOARD_OIDC_CLIENT_ID')?.trim();
  const clientSecret = get('SWITCHBOARD_OIDC_CLIENT_SECRET')?.trim();
  if (!clientId || !clientSecret)
    throw new ConfigError(
      'SWITCHBOARD_OIDC_ISSUER needs SWITCHBOARD_OIDC_CLIENT_ID and SWITCHBOARD_OIDC_CLIENT_SECRET',
    );
  const role = get('SWITCHBOARD_OIDC_DEFAULT_ROLE')?.trim().toLowerCase() || undefined;
  if (role !== undefined && !['viewer', 'reviewer', 'admin'].includes(role))
    throw new ConfigError(`SWITCHBOARD_OIDC_DEFAULT_ROLE must be viewer, reviewer or admin, got "${role}"`);
  return { issuer, clientId, clientSecret, defaultRole: role as OidcConfig['defaultRole'] };
}

const SMTP_URL_SHAPE = 'smtp://user:password@host:587 or smtps://user:password@host:465';

/**
 * SWITCHBOARD_SMTP_URL, _FROM and _TIMEOUT. The URL holds a password: no message here repeats
 * it, only the part that is wrong.
 */
function smtpConfig(get: (name: string) => string | undefined, publicUrl: string): SmtpConfig | undefined {
  const text = get('SWITCHBOARD_SMTP_URL')?.trim();
  const fromText = get('SWITCHBOARD_SMTP_FROM')?.trim();
  if (!text) {
    if (fromText)
      throw new ConfigError('SWITCHBOARD_SMTP_FROM needs SWITCHBOARD_SMTP_URL (the server to send through)');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`SWITCHBOARD_SMTP_URL is not a URL: write it as ${SMTP_URL_SHAPE}`);
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new ConfigError(
      `SWITCHBOARD_SMTP_URL must start with smtp:// or smtps://, not ${url.protocol}// (${SMTP_URL_SHAPE})`,
    );
  if (!url.hostname) throw new ConfigError(`SWITCHBOARD_SMTP_URL has no host: write it as ${SMTP_URL_SHAPE}`);
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash)
    throw new ConfigError(`SWITCHBOARD_SMTP_URL takes no path, ?options or #fragment: ${SMTP_URL_SHAPE}`);
  const secure = url.protocol === 'smtps:';
  // WHATWG URLs keep the port of a non-special scheme as written ('' when there is none).
  const port = url.port === '' ? (secure ? 465 : 587) : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new ConfigError('SWITCHBOARD_SMTP_URL has a port outside 1–65535');
  let user: string | undefined;
  let password: string | undefined;
  try {
    user = url.username ? decodeURIComponent(url.username) : undefined;
    password = url.password ? decodeURIComponent(url.password) : undefined;
  } catch {
    throw new ConfigError(
      'SWITCHBOARD_SMTP_URL has a user name or password that is not percent-encoded right (write @ as %40, : as %3A)',
    );
  }
  if (password !== undefined && user === undefined)
    throw new ConfigError('SWITCHBOARD_SMTP_URL has a password without a user name');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const from = fromText || `Switchboard <switchboard@${defaultMailDomain(publicUrl, host)}>`;
  if (!isMailbox(from))
    throw new ConfigError(
      `SWITCHBOARD_SMTP_FROM must be an address or "Name <address>" on one line, got "${fromText?.replace(/[\r\n]/g, ' ')}"`,
    );
  const timeoutText = get('SWITCHBOARD_SMTP_TIMEOUT')?.trim();
  const timeout = timeoutText ? Number(timeoutText) : 10;
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 60)
    throw new ConfigError(`SWITCHBOARD_SMTP_TIMEOUT must be a number of seconds in (0, 60], got "${timeoutText}"`);
  return { host, port, secure, user, password, from, timeoutMs: Math.round(timeout * 1000) };
}

/** The public URL's domain, else (an address or localhost there) the mail server's. */
function defaultMailDomain(publicUrl: string, smtpHost: string): string {
  const named = (h: string) => h.includes('.') && !/^[\d.]+$/.test(h) && !h.includes(':') && !h.startsWith('[');
  let publicHost = '';
  try {
    publicHost = new URL(publicUrl).hostname;
  } catch {}
  if (named(publicHost)) return publicHost;
  return named(smtpHost) ? smtpHost : 'localhost';
}

/** `someone@host` or `Display Name <someone@host>`, one line (a header cannot be smuggled in). */
function isMailbox(text: string): boolean {
  if (/[\r\n]/.test(text) || text.length > 320) return false;
  const m = /^(?:[^<>]*<([^<>\s]+)>|([^<>\s]+))$/.exec(text.trim());
  const address = m?.[1] ?? m?.[2];
  return address !== undefined && /^[^@\s]+@[^@\s]+$/.test(address);
}

function logFormatOf(flag: string | undefined, envValue: string | undefined): LogFormat {
  for (const [name, value] of [
    ['--log-format', flag],
    ['SWITCHBOARD_LOG_FORMAT', envValue],
  ] as const) {
    const v = value?.trim().toLowerCase();
    if (v && v !== 'auto' && !(LOG_FORMATS as readonly string[]).includes(v))
      throw new ConfigError(`${name} must be json, pretty or auto, got "${value}"`);
  }
  return chooseLogFormat({ isTTY: Boolean(process.stdout.isTTY), flag, env: envValue });
}

/**
 * The dashboard shipped inside the installed package (dist/web next to the bundle dist/cli.mjs,
 * copied there by scripts/pack-server.mjs), else the workspace's build, packages/web/dist.
 */
function defaultWebDir(): string {
  const shipped = new URL('./web', import.meta.url).pathname;
  return existsSync(join(shipped, 'index.html')) ? shipped : new URL('../../web/dist', import.meta.url).pathname;
}

function httpConfig(get: (name: string) => string | undefined): HttpLimits {
  const seconds = (name: string, fallbackMs: number) => {
    const raw = get(name);
    if (raw === undefined || raw.trim() === '') return fallbackMs;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0 || n > 3600)
      throw new ConfigError(`${name} must be a number of seconds in (0, 3600], got "${raw}"`);
    return Math.round(n * 1000);
  };
  const headersTimeoutMs = seconds('SWITCHBOARD_HEADERS_TIMEOUT', HTTP_LIMITS.headersTimeoutMs);
  const bodyTimeoutMs = seconds('SWITCHBOARD_BODY_TIMEOUT', HTTP_LIMITS.bodyTimeoutMs);
  // Node measures both from the first byte of the request: the body's deadline includes the headers'.
  if (bodyTimeoutMs < headersTimeoutMs)
    throw new ConfigError(
      `SWITCHBOARD_BODY_TIMEOUT (${bodyTimeoutMs / 1000} s) must be at least SWITCHBOARD_HEADERS_TIMEOUT (${headersTimeoutMs / 1000} s)`,
    );
  const capText = get('SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS');
  const cap = capText === undefined || capText.trim() === '' ? HTTP_LIMITS.maxConnectionsPerAddress : Number(capText);
  if (!Number.isInteger(cap) || cap < 0)
    throw new ConfigError(
      `SWITCHBOARD_MAX_CONNECTIONS_PER_ADDRESS must be a whole number ≥ 0 (0: no cap), got "${capText}"`,
    );
  return {
    headersTimeoutMs,
    bodyTimeoutMs,
    idleTimeoutMs: seconds('SWITCHBOARD_CONNECTION_IDLE_TIMEOUT', HTTP_LIMITS.idleTimeoutMs),
    maxConnectionsPerAddress: cap,
  };
}

function webhookConfig(get: (name: string) => string | undefined): Config['webhooks'] {
  const scheduleText = get('SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE');
  let retrySchedule = [5, 300, 1800, 7200, 18000, 36000, 36000];
  if (scheduleText !== undefined && scheduleText.trim() !== '') {
    retrySchedule = scheduleText.split(',').map((v) => Number(v.trim()));
    if (retrySchedule.some((n) => !Number.isFinite(n) || n < 0 || n > 7 * 86_400) || retrySchedule.length > 50)
      throw new ConfigError(
        `SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE must be up to 50 comma-separated delays in seconds (0–604800), got "${scheduleText}"`,
      );
  }
  const timeoutText = get('SWITCHBOARD_WEBHOOK_TIMEOUT');
  const timeoutSeconds = timeoutText === undefined || timeoutText === '' ? 15 : Number(timeoutText);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 300)
    throw new ConfigError(`SWITCHBOARD_WEBHOOK_TIMEOUT must be a number of seconds in (0, 300], got "${timeoutText}"`);
  const privateText = (get('SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE') ?? '').trim().toLowerCase();
  if (!['', 'true', 'false', '1', '0', 'yes', 'no'].includes(privateText))
    throw new ConfigError(`SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE must be true or false, got "${privateText}"`);
  return { retrySchedule, timeoutSeconds, allowPrivate: ['true', '1', 'yes'].includes(privateText) };
}
