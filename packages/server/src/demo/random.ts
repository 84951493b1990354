/**
 * A small seeded random source. The demo must be reproducible from `--seed` (so a benchmark or a
 * bug report can be rerun on the same data), which rules out Math.random and crypto; sfc32 is
 * fast, has a 128-bit state and passes PractRand, more than enough for fake traffic.
 */

/** FNV-1a over the text: turns any `--seed` string into the generator's starting state. */
function hash32(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string | number) {
    const s = String(seed);
    this.a = hash32(s, 1);
    this.b = hash32(s, 2);
    this.c = hash32(s, 3);
    this.d = hash32(s, 4) | 1;
    // The first outputs of sfc32 still echo the seed; discard them.
    for (let i = 0; i < 16; i++) this.u32();
  }

  /** A new independent stream, so adding a draw in one place does not reshuffle everything else. */
  fork(label: string | number): Rng {
    return new Rng(`${this.u32()}:${label}`);
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight; `weights` must be as long as `items`. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i];
      if (r < 0) return items[i];
    }
    return items[items.length - 1];
  }

  /** Log-normal around `median`: human delays (typing, thinking, talking) have a long right tail. */
  logNormal(median: number, sigma: number): number {
    // Box–Muller; 1 - next() keeps log() away from 0.
    const z = Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
    return median * Math.exp(sigma * z);
  }

  /** `n` hex digits. */
  hex(n: number): string {
    let out = '';
    while (out.length < n) out += HEX[this.u32() & 0xff];
    return out.slice(0, n);
  }

  /**
   * A UUIDv7 for time `ms` (RFC 9562), the same shape the server gives ids it makes. lib/ids.ts
   * is not used: it draws from crypto (not reproducible) and clamps to the newest time it has
   * seen, which would stamp backdated sessions with today's date.
   */
  uuidv7(ms: number): string {
    const t = ms.toString(16).padStart(12, '0');
    const r1 = this.u32();
    const r2 = this.u32();
    const r3 = this.u32();
    const a = HEX[(r1 >>> 24) & 0x0f] + HEX[(r1 >>> 16) & 0xff];
    const b = HEX[0x80 | ((r1 >>> 8) & 0x3f)] + HEX[r1 & 0xff];
    const c =
      HEX[(r2 >>> 24) & 0xff] +
      HEX[(r2 >>> 16) & 0xff] +
      HEX[(r2 >>> 8) & 0xff] +
      HEX[r2 & 0xff] +
      HEX[(r3 >>> 24) & 0xff] +
      HEX[(r3 >>> 16) & 0xff];
    return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${a.slice(1)}-${b}-${c}`;
  }
}
