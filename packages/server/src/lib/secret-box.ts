/**
 * Webhook signing secrets at rest. Unlike API keys (only a hash is stored), a webhook secret must
 * be read back to sign each delivery, so a stolen database or backup would let anyone forge
 * deliveries. Secrets are stored as `enc:v1:<base64url(iv ‖ ciphertext ‖ GCM tag)>` (AES-256-GCM,
 * a fresh 96-bit IV each time) and opened only in the worker at send time. The key is
 * `SWITCHBOARD_ENCRYPTION_KEY`, or else the data dir's `secret.key`, generated at first start
 * (secret-key.ts); plaintext rows from before are sealed at start. The version in the prefix
 * leaves room for another algorithm or key later.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

let current: Buffer | null = null;

/** 32 bytes, given as 64 hex characters or as base64 / base64url (43–44 characters). */
export function parseEncryptionKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(t) && !/^[A-Za-z0-9+/_-]{43}=?$/.test(t)))
    throw new Error('must be 32 random bytes as 64 hex characters or base64 (openssl rand -base64 32)');
  return key;
}

/** Set once at start (server.ts); null (only in tests that build the app themselves) stores plaintext. */
export function useEncryptionKey(key: Buffer | null) {
  current = key;
}

export const isSealed = (stored: string) => stored.startsWith(PREFIX);

export function sealSecret(plain: string): string {
  if (!current) return plain;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', current, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

export function openSecret(stored: string): string {
  if (!isSealed(stored)) return stored;
  if (!current) throw new Error('this webhook secret is encrypted; start the server with SWITCHBOARD_ENCRYPTION_KEY');
  const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', current, raw.subarray(0, IV_BYTES));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString(
    'utf8',
  );
}

/** The secret, or null when it was sealed with a key this process does not have. */
export function openSecretIfPossible(stored: string): string | null {
  try {
    return openSecret(stored);
  } catch {
    return null;
  }
}
