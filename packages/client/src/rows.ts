import type { ExportFormat } from './types.js';

/**
 * Counts sessions in an export as its bytes go by, without parsing it: CSV records (newlines
 * outside quotes, less the header), NDJSON lines, or top-level objects of the JSON array. Works
 * on raw bytes, since every byte it looks for is ASCII and never part of a multi-byte character.
 *
 * @example
 * const counter = new ExportRowCounter('csv');
 * counter.push(new TextEncoder().encode('id,agent_id\n"a\nb",x\n'));
 * counter.rows; // 1
 */
export class ExportRowCounter {
  private lines = 0;
  private quoted = false;
  private inString = false;
  private escaped = false;
  private depth = 0;
  private objects = 0;
  private sawAny = false;
  private lastByte = 0x0a;

  constructor(private readonly format: ExportFormat) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.sawAny = true;
    if (this.format === 'json') {
      this.json(chunk);
      return;
    }
    const csv = this.format === 'csv';
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (csv && b === 0x22) this.quoted = !this.quoted;
      else if (b === 0x0a && !this.quoted) this.lines++;
    }
    this.lastByte = chunk[chunk.length - 1];
  }

  /** Sessions seen so far (a final line without a newline counts once the stream ends). */
  get rows(): number {
    if (this.format === 'json') return this.objects;
    const lines = this.lines + (this.sawAny && this.lastByte !== 0x0a ? 1 : 0);
    return this.format === 'csv' ? Math.max(0, lines - 1) : lines;
  }

  private json(chunk: Uint8Array) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === 0x5c) this.escaped = true;
        else if (b === 0x22) this.inString = false;
      } else if (b === 0x22) this.inString = true;
      else if (b === 0x7b || b === 0x5b) {
        if (b === 0x7b && this.depth === 1) this.objects++;
        this.depth++;
      } else if (b === 0x7d || b === 0x5d) this.depth--;
    }
  }
}
