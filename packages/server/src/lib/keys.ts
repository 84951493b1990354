/**
 * API key format (docs/SECURITY.md; after GitHub's token format): `swb_` + 36 random base62
 * characters + a 6-character checksum, the CRC-32 of the random part in base62. The checksum lets us refuse a
 * mistyped or made-up key before touching the database, and lets secret scanners recognise ours.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PREFIX = 'swb_';
const RANDOM_LENGTH = 36;
const CHECKSUM_LENGTH = 6;
const KEY_SHAPE = /^swb_[0-9A-Za-z]{42}$/;

function base62(n: number, width: number): string {
  let s = '';
  let v = n;
  do {
    s = ALPHABET[v % 62] + s;
    v = Math.floor(v / 62);
  } while (v > 0);
  return s.padStart(width, '0');
}

function checksum(random: string): string {
  return base62(crc32(random) >>> 0, CHECKSUM_LENGTH);
}

export function generateKey(): string {
  let random = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) random += ALPHABET[randomInt(62)];
  return PREFIX + random + checksum(random);
}

/** True when the key has our shape and its checksum matches; no database involved. */
export function isWellFormedKey(key: string): boolean {
  if (!KEY_SHAPE.test(key)) return false;
  const random = key.slice(PREFIX.length, PREFIX.length + RANDOM_LENGTH);
  const given = Buffer.from(key.slice(PREFIX.length + RANDOM_LENGTH));
  return timingSafeEqual(given, Buffer.from(checksum(random)));
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function keyPrefix(key: string): string {
  return key.slice(0, 12);
}
