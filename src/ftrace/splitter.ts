/**
 * Splits a byte stream into numbered text lines. Pure: fed Buffers, it
 * returns lines; the caller does the reading (`source.ts`).
 *
 * - `\n` ends a line; a `\r` before it is dropped (CRLF accepted as is).
 * - Lines are decoded as UTF-8; bytes that are not UTF-8 become U+FFFD,
 *   which the tokenizers accept only inside a task name.
 * - A line longer than `maxLineBytes` is never buffered whole: its first
 *   bytes are kept for the message and the rest is dropped up to its end.
 * - The last line without a final newline is marked `last` (a cut-off file).
 */

export type SplitItem =
  | {
      readonly kind: "line";
      readonly line: number;
      readonly text: string;
      readonly last: boolean;
      /** The line may hold a NUL byte (its chunk does); false means it holds none. */
      readonly nul: boolean;
    }
  | { readonly kind: "overlong"; readonly line: number; readonly prefix: string; readonly bytes: number };

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
const PREFIX_BYTES = 200;
const NL = 10;

export class LineSplitter {
  private line = 0;
  /** Bytes of the line in progress that came in earlier chunks. */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** The line in progress is over the cap: its prefix is kept, the rest dropped. */
  private overlong: Buffer | null = null;
  /** Bytes consumed so far (for progress). */
  bytes = 0;

  constructor(private readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES) {}

  push(chunk: Buffer): SplitItem[] {
    this.bytes += chunk.length;
    const out: SplitItem[] = [];
    let pos = 0;
    const firstNl = chunk.indexOf(NL);
    if (firstNl < 0) {
      this.extend(chunk);
      return out;
    }
    // The line that started in earlier chunks.
    if (this.carryBytes > 0 || this.overlong) {
      this.extend(chunk.subarray(0, firstNl));
      out.push(this.takeCarry(false));
      pos = firstNl + 1;
    }
    // Whole lines of this chunk, decoded in one go (fast path for ASCII text).
    const lastNl = chunk.lastIndexOf(NL);
    if (lastNl >= pos) {
      this.wholeLines(chunk.subarray(pos, lastNl), out);
      pos = lastNl + 1;
    }
    if (pos < chunk.length) this.extend(chunk.subarray(pos));
    return out;
  }

  /** End of input: the line in progress, if any, is the last line (no final newline). */
  end(): SplitItem[] {
    if (this.carryBytes === 0 && !this.overlong) return [];
    return [this.takeCarry(true)];
  }

  /** Lines seen so far. */
  get lines(): number {
    return this.line;
  }

  private wholeLines(region: Buffer, out: SplitItem[]): void {
    // Lines longer than the cap inside one chunk (chunks larger than the cap).
    if (region.length > this.maxLineBytes) {
      let start = 0;
      for (;;) {
        const nl = region.indexOf(NL, start);
        const end = nl < 0 ? region.length : nl;
        this.emitBytes(region.subarray(start, end), out);
        if (nl < 0) return;
        start = nl + 1;
      }
    }
    const text = region.toString("utf8");
    const parts = text.split("\n");
    // One native search per chunk spares a per-line search for NUL bytes.
    const nul = region.indexOf(0) >= 0;
    for (const p of parts) {
      this.line++;
      out.push({ kind: "line", line: this.line, text: p.endsWith("\r") ? p.slice(0, -1) : p, last: false, nul });
    }
  }

  private emitBytes(b: Buffer, out: SplitItem[]): void {
    this.line++;
    if (b.length > this.maxLineBytes) {
      out.push({ kind: "overlong", line: this.line, prefix: b.subarray(0, PREFIX_BYTES).toString("utf8"), bytes: b.length });
      return;
    }
    const text = b.toString("utf8");
    out.push({ kind: "line", line: this.line, text: text.endsWith("\r") ? text.slice(0, -1) : text, last: false, nul: b.indexOf(0) >= 0 });
  }

  private extend(b: Buffer): void {
    if (b.length === 0) return;
    if (this.overlong) {
      this.carryBytes += b.length;
      return;
    }
    if (this.carryBytes + b.length > this.maxLineBytes) {
      const all = Buffer.concat([...this.carry, b]);
      this.overlong = all.subarray(0, PREFIX_BYTES);
      this.carry = [];
      this.carryBytes = all.length;
      return;
    }
    this.carry.push(Buffer.from(b)); // copy: the reader may reuse its chunk
    this.carryBytes += b.length;
  }

  private takeCarry(last: boolean): SplitItem {
    this.line++;
    let item: SplitItem;
    if (this.overlong) {
      item = { kind: "overlong", line: this.line, prefix: this.overlong.toString("utf8"), bytes: this.carryBytes };
    } else {
      const bytes = Buffer.concat(this.carry, this.carryBytes);
      const text = bytes.toString("utf8");
      item = { kind: "line", line: this.line, text: text.endsWith("\r") ? text.slice(0, -1) : text, last, nul: bytes.indexOf(0) >= 0 };
    }
    this.carry = [];
    this.carryBytes = 0;
    this.overlong = null;
    return item;
  }
}
