/**
 * Replays a recorded Vapi or Retell call to a Switchboard integration, each event signed as the
 * platform signs it, so an integration can be tried without a phone call (README.md beside this
 * file). The call gets a fresh id and its times move to now, so every run is a new session.
 *
 *   node --import tsx examples/voice-replay/replay.ts --platform retell \
 *     --url http://127.0.0.1:8080/api/integrations/int_… --secret <Retell API key>
 *   node --import tsx examples/voice-replay/replay.ts --platform vapi --url … --secret … [--hmac]
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Retell from 'retell-sdk';

const { values } = parseArgs({
  options: {
    platform: { type: 'string' },
    url: { type: 'string' },
    secret: { type: 'string' },
    // Vapi: sign with an HMAC credential (x-vapi-signature) instead of sending x-vapi-secret.
    hmac: { type: 'boolean', default: false },
    // Keep the recorded call id and times (a second run is then a redelivery: it changes nothing).
    exact: { type: 'boolean', default: false },
  },
});
const platform = values.platform;
if ((platform !== 'vapi' && platform !== 'retell') || !values.url || !values.secret) {
  console.error('usage: replay.ts --platform vapi|retell --url <integration URL> --secret <secret> [--hmac] [--exact]');
  process.exit(2);
}
const secret = values.secret;

const events = JSON.parse(readFileSync(new URL(`./${platform}-call.json`, import.meta.url), 'utf8')) as unknown[];

const TIME_MS = new Set(['start_timestamp', 'end_timestamp', 'time', 'endTime', 'timestamp']);
const TIME_ISO = new Set(['createdAt', 'updatedAt', 'startedAt', 'endedAt']);

/** The recording with its call id replaced and every time moved by `shift` ms. */
function refresh(value: unknown, shift: number, ids: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => refresh(v, shift, ids));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (TIME_MS.has(k) && typeof v === 'number') out[k] = v + shift;
    else if (TIME_ISO.has(k) && typeof v === 'string') out[k] = new Date(Date.parse(v) + shift).toISOString();
    else if ((k === 'call_id' || (k === 'id' && ids.has(v as string))) && typeof v === 'string')
      out[k] = ids.get(v) ?? v;
    else out[k] = refresh(v, shift, ids);
  }
  return out;
}

const first = JSON.stringify(events[0]);
const recordedStart =
  platform === 'retell'
    ? Number(/"start_timestamp":\s*(\d+)/.exec(first)?.[1])
    : Date.parse(/"createdAt":\s*"([^"]+)"/.exec(first)?.[1] ?? '');
const recordedId =
  platform === 'retell'
    ? /"call_id":\s*"([^"]+)"/.exec(first)?.[1]
    : /"call":\s*{\s*"id":\s*"([^"]+)"/.exec(first)?.[1];
const ids = new Map<string, string>();
if (!values.exact && recordedId) ids.set(recordedId, `${recordedId.slice(0, 24)}-${randomBytes(4).toString('hex')}`);
const shift = values.exact ? 0 : Date.now() - 60_000 - recordedStart;

for (const event of events) {
  const body = JSON.stringify(refresh(event, shift, ids));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (platform === 'retell') headers['x-retell-signature'] = await Retell.sign(body, secret);
  else if (values.hmac) headers['x-vapi-signature'] = createHmac('sha256', secret).update(body).digest('hex');
  else headers['x-vapi-secret'] = secret;
  const res = await fetch(values.url, { method: 'POST', headers, body });
  const type =
    (event as { event?: string; message?: { type?: string } }).event ??
    (event as { message?: { type?: string } }).message?.type;
  console.log(`${type}: ${res.status} ${await res.text()}`);
  if (!res.ok) process.exitCode = 1;
}
console.log(`Call ${ids.get(recordedId ?? '') ?? recordedId} replayed.`);
