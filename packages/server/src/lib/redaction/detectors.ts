/**
 * The built-in detectors (docs/REDACTION.md says what each matches and leaves alone). Each one
 * finds candidates with a regular expression that can only start where a run of its characters
 * starts (a lookbehind), so a scan is linear in the text, then judges each candidate in code:
 * checksums (Luhn, mod-97), the shape of dates, times, versions and amounts, and the words just
 * before it ("order", "tracking", "invoice"…).
 */
import { isIPv6 } from 'node:net';
import type { RedactionDetector } from '@switchboard/contracts';

/** A match to replace: [start, end) in the text. */
export type Span = [start: number, end: number];

export interface Detector {
  name: RedactionDetector;
  /** Cheap test: a text without any of these characters cannot hold a match. */
  needs: RegExp;
  find(text: string): Span[];
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
const digitsOf = (s: string) => s.replace(/\D/g, '');

function eachMatch(re: RegExp, text: string, judge: (m: RegExpExecArray) => Span | null): Span[] {
  const out: Span[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const span = judge(m);
    if (span) out.push(span);
  }
  return out;
}

/** Words that, just before a number, say it is not personal data (an order or tracking number…). */
const NOT_PERSONAL =
  /(?:order|invoice|tracking|track|shipment|parcel|package|ref|reference|booking|confirmation|ticket|case|transaction|txn|account id|customer id|user id|id|sku|serial|version|build|release|po|item|receipt|no\.?|nr\.?|#)\s*(?:number|no\.?|nr\.?|num|id|code)?\s*[:#]?\s*$/i;
/** Words that, just before a number, say it is a phone number. */
const PHONE_WORDS =
  /(?:phone|tel|telephone|mobile|cell|call|fax|whatsapp|sms|text|reach|dial|ring|contact)\b[^.\n]{0,24}$/i;
const CURRENCY_BEFORE = /[$€£¥₹]\s*$|\b(?:usd|eur|gbp|chf|jpy|inr|aud|cad)\s*$/i;
const CURRENCY_AFTER = /^\s*(?:usd|eur|gbp|chf|jpy|inr|aud|cad|dollars?|euros?|pounds?|€|\$|£)/i;

const UNIT_AFTER =
  /^\s*(?:tokens?|bytes?|[kmgt]i?b|ms|seconds?|secs?|minutes?|mins?|hours?|days?|requests?|calls?|items?|users?|rows?|records?|times|views|visits|points)\b|^\s*%/i;

const before = (text: string, start: number, n = 40) => text.slice(Math.max(0, start - n), start);

// ─── email ───────────────────────────────────────────────────────────────────────────────────

const EMAIL = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){1,8}/gu;

export const email: Detector = {
  name: 'email',
  needs: /@/,
  find: (text) =>
    eachMatch(EMAIL, text, (m) => {
      let value = m[0];
      // A sentence's full stop, or a label ending in '-', is not part of the address.
      while (value.endsWith('.') || value.endsWith('-')) value = value.slice(0, -1);
      const labels = value.slice(value.indexOf('@') + 1).split('.');
      const tld = labels[labels.length - 1];
      if (labels.length < 2 || !/^\p{L}{2,}$/u.test(tld)) return null;
      if (value.startsWith('.') || value.includes('..')) return null;
      return [m.index, m.index + value.length];
    }),
};

// ─── card ────────────────────────────────────────────────────────────────────────────────────

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** 13–19 digits, in groups split by single spaces or hyphens. */
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}/g;

export const card: Detector = {
  name: 'card',
  needs: /\d/,
  find: (text) =>
    eachMatch(CARD, text, (m) => {
      const end = m.index + m[0].length;
      // Part of a longer number or token (a 20-digit tracking number, a hex id): not a card.
      if (isWordChar(text[m.index - 1]) || isWordChar(text[end]) || (text[end] === '-' && isDigit(text[end + 1])))
        return null;
      if ((text[end] === '.' || text[end] === ',') && isDigit(text[end + 1])) return null;
      const digits = digitsOf(m[0]);
      // Payment cards start with 2–6 (the banking and financial industries' major identifiers).
      if (!/^[2-6]/.test(digits) || !luhn(digits)) return null;
      if (NOT_PERSONAL.test(before(text, m.index))) return null;
      return [m.index, end];
    }),
};

// ─── iban ────────────────────────────────────────────────────────────────────────────────────

/** IBAN length per country (ISO 13616 registry). */
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

export function mod97(iban: string): boolean {
  const moved = iban.slice(4) + iban.slice(0, 4);
  let rest = 0;
  for (const c of moved) {
    const v = c >= 'A' ? c.charCodeAt(0) - 55 : c.charCodeAt(0) - 48;
    rest = v > 9 ? (rest * 100 + v) % 97 : (rest * 10 + v) % 97;
  }
  return rest === 1;
}

const IBAN_START = /(?<![\p{L}\p{N}])([A-Za-z]{2})(\d{2})/gu;

export const iban: Detector = {
  name: 'iban',
  needs: /\d/,
  find(text) {
    const out: Span[] = [];
    IBAN_START.lastIndex = 0;
    for (let m = IBAN_START.exec(text); m !== null; m = IBAN_START.exec(text)) {
      const country = m[1].toUpperCase();
      const length = IBAN_LENGTHS[country];
      if (!length) continue;
      // Walk on over letters and digits (single spaces between groups) to the country's length.
      let compact = country + m[2];
      let i = m.index + 4;
      while (compact.length < length && i < text.length) {
        const c = text[i];
        if (/[A-Za-z0-9]/.test(c)) compact += c.toUpperCase();
        else if (c !== ' ' || !/[A-Za-z0-9]/.test(text[i + 1] ?? '')) break;
        i++;
      }
      if (compact.length !== length || isWordChar(text[i])) continue;
      if (!mod97(compact)) continue;
      out.push([m.index, i]);
      IBAN_START.lastIndex = i;
    }
    return out;
  },
};

// ─── ssn ─────────────────────────────────────────────────────────────────────────────────────

/** US Social Security numbers written 123-45-6789 or 123 45 6789. */
const SSN = /(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})/g;

export const ssn: Detector = {
  name: 'ssn',
  needs: /\d/,
  find: (text) =>
    eachMatch(SSN, text, (m) => {
      const end = m.index + m[0].length;
      if (isWordChar(text[m.index - 1]) || isWordChar(text[end])) return null;
      if (/^[-.]\d/.test(text.slice(end, end + 2))) return null;
      const [, area, , group, serial] = m;
      // Never issued: area 000, 666 or 900–999, group 00, serial 0000.
      if (area === '000' || area === '666' || area[0] === '9' || group === '00' || serial === '0000') return null;
      if (NOT_PERSONAL.test(before(text, m.index))) return null;
      return [m.index, end];
    }),
};

// ─── ip ──────────────────────────────────────────────────────────────────────────────────────

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`(?<![\\p{L}\\p{N}.])${OCTET}(?:\\.${OCTET}){3}(?![\\p{L}\\p{N}]|\\.\\d)`, 'gu');
/** Groups of hex digits with colons (at least two), optionally ending in an IPv4 address. */
const IPV6 =
  /(?<![\p{L}\p{N}:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\p{L}\p{N}:])/gu;

export const ip: Detector = {
  name: 'ip',
  needs: /[\d:]/,
  find(text) {
    // An IPv4 address has dots, an IPv6 one colons: a text without them is not scanned for it.
    const v4 = !text.includes('.')
      ? []
      : eachMatch(IPV4, text, (m) => {
          // "version 1.2.3.4", "v10.0.0.1": a version string, not an address.
          if (/(?:\bv|version|ver\.?|release|build)\s*$/i.test(before(text, m.index, 12))) return null;
          return [m.index, m.index + m[0].length];
        });
    const v6 = !text.includes(':')
      ? []
      : eachMatch(IPV6, text, (m) => {
          const value = m[0];
          // Times (12:30:45) and MAC addresses fail isIPv6; "::" alone says nothing about anyone.
          if (!isIPv6(value) || !/[0-9A-Fa-f]{2}/.test(value)) return null;
          return [m.index, m.index + value.length];
        });
    return [...v4, ...v6];
  },
};

// ─── phone ───────────────────────────────────────────────────────────────────────────────────

/**
 * A run of digits with the separators phone numbers are written with (single spaces, hyphens,
 * dots, parentheses), optionally after "+". Judged as a whole: a run that is not a phone number
 * is left whole, never cut down to a shorter one that might look like one.
 */
const PHONE = /(?<![\d+(])\+?(?:\(\d{1,5}\)[ .-]?)?\d(?:(?:[ .-]|\) ?| \()?\d){5,20}\)?/g;

function isDate(digits: string): boolean {
  const y = Number(digits.slice(0, 4));
  const mo = Number(digits.slice(4, 6));
  const d = Number(digits.slice(6, 8));
  return y >= 1900 && y <= 2099 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

function judgePhone(text: string, start: number, value: string): boolean {
  const end = start + value.length;
  const digits = digitsOf(value);
  if (digits.length < 8 || digits.length > 15) return false;
  const prev = text[start - 1];
  const next = text[end];
  // Inside a word or id (a UUID, an order code "A-12345678", a hex hash), or a longer number.
  if (isWordChar(prev) || isWordChar(next)) return false;
  if ((prev === '-' || prev === '/' || prev === '.' || prev === ':' || prev === ',') && isDigit(text[start - 2]))
    return false;
  if ((next === '-' || next === '/' || next === ':' || next === ',' || next === '.') && isDigit(text[end + 1]))
    return false;
  if (prev === '-' && isWordChar(text[start - 2])) return false;
  // Amounts: a currency before or after, or a decimal part.
  if (CURRENCY_BEFORE.test(before(text, start, 6)) || CURRENCY_AFTER.test(text.slice(end, end + 10))) return false;
  const b = before(text, start);
  if (NOT_PERSONAL.test(b)) return false;
  const groups = value.split(/[^\d]+/).filter(Boolean);
  const seps = value.replace(/[\d+()]/g, '');
  const plus = value.startsWith('+');
  const keyword = PHONE_WORDS.test(b);
  // Dates and times: 2024-12-04, 04.12.2024, 20241204, 2024-12-04 12 (a date and an hour).
  if (!plus && groups.length >= 3) {
    const [a, m, c] = groups;
    const ymd = a.length === 4 && m.length <= 2 && c.length <= 2;
    const dmy = a.length <= 2 && m.length <= 2 && c.length === 4;
    if (ymd || dmy) return false;
  }
  if (!plus && groups.length === 1 && digits.length === 8 && isDate(digits)) return false;
  // Addresses: four dot-separated groups of up to three digits.
  if (!plus && /^\.+$/.test(seps) && groups.length === 4 && groups.every((g) => g.length <= 3)) return false;
  // Decimals and versions (3.14159265, 120.0.6099.109): dots around a single digit.
  if (!plus && /^\.+$/.test(seps) && groups.some((g) => g.length === 1)) return false;
  // A count of something: "1234567890 tokens".
  if (UNIT_AFTER.test(text.slice(end, end + 12))) return false;
  // The shape of a US Social Security number (123-45-6789), never of a phone number.
  if (!plus && groups.length === 3 && groups[0].length === 3 && groups[1].length === 2 && groups[2].length === 4)
    return false;
  // Unix times in seconds or milliseconds, bare.
  if (!plus && groups.length === 1 && (digits.length === 10 || digits.length === 13) && digits[0] === '1' && !keyword)
    return false;
  if (plus || keyword) return true;
  // Formatted like a phone number: groups split by spaces, hyphens, dots or parentheses.
  if (groups.length >= 2) return groups.length <= 6 && groups.every((g) => g.length <= 5) && groups[0].length <= 5;
  // A bare run of digits is a phone number when it is as long as one with an area code; shorter
  // ones (8–9 digits) are as often order numbers or ids, and need a word like "call" before them.
  return digits.length >= 10 && digits.length <= 12 && !/^0{3}/.test(digits);
}

export const phone: Detector = {
  name: 'phone',
  needs: /\d/,
  find(text) {
    const out: Span[] = [];
    PHONE.lastIndex = 0;
    for (let m = PHONE.exec(text); m !== null; m = PHONE.exec(text)) {
      let start = m.index;
      let value = m[0];
      if (text[start - 1] === '(' && /^\d{1,5}\)/.test(value)) {
        start -= 1;
        value = `(${value}`;
      }
      // The whole run, else the longest part of it before a space (a number followed by another
      // number: "+44 20 7946 0958 4111111111111111"), the rest scanned again.
      // A cut is made only where the space is not one of the number's own separators: the part
      // before it is written without spaces, or a long run of digits follows ("0000 0000 0000"
      // goes on as one number, and is judged as one).
      const cuts = [value.length];
      for (let i = value.length - 1; i > 0; i--)
        if (value[i] === ' ' && (!value.slice(0, i).includes(' ') || /^\d{6}/.test(value.slice(i + 1)))) cuts.push(i);
      for (const cut of cuts) {
        let v = value.slice(0, cut);
        // A closing parenthesis belongs to the number only with its opening one.
        if (v.endsWith(')') && v.split('(').length !== v.split(')').length) v = v.slice(0, -1);
        if (judgePhone(text, start, v)) {
          out.push([start, start + v.length]);
          PHONE.lastIndex = start + v.length;
          break;
        }
      }
    }
    return out;
  },
};

/** In the order they run: the specific shapes first, so a card is never taken for a phone number. */
export const DETECTORS: Detector[] = [email, iban, card, ssn, ip, phone];
