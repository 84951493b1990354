/**
 * Standard Webhooks signing (docs/WEBHOOKS.md):
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` where the key is the base64-decoded
 * part of the `whsec_` secret.
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** `whsec_` + base64 of 32 random bytes. */
export const generateSecret = () => PREFIX + randomBytes(32).toString('base64');

function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** The `webhook-signature` header: one signature per live secret, space-separated. */
export const signatureHeader = (secrets: string[], id: string, timestamp: number, body: string) =>
  secrets.map((s) => signature(s, id, timestamp, body)).join(' ');
