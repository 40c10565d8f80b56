/**
 * An import's rows encoded once, where they are made (issue 12 item 4): the
 * events and the source lines of their lines as the store's COPY text,
 * validated by `eventToRow` on the way (a bad event is refused here, with
 * its place), written as UTF-8 straight into buffers of about `PIECE_BYTES`.
 * Each row's text dies young (nothing holds a string of strings), and a
 * piece's bytes can be transferred to the thread that holds the database
 * connection, which writes them as they are: a large file's parse runs in a
 * worker thread (`parse-thread.ts`). Pure: no I/O.
 */
import { EventValidationError } from "./catalog.ts";
import { copyLine, copyText, eventToRow } from "./codec.ts";
import { BLOCK_CHARS, BLOCK_LINES, type SourceLine } from "./source-lines.ts";
import type { RaceEvent } from "./types.ts";

/** COPY text of events (seqs `firstSeq`…`firstSeq + count − 1`) and of source-line blocks, for one trace. */
export interface EncodedRows {
  readonly traceId: string;
  readonly firstSeq: number;
  readonly count: number;
  /** `COPY events (COPY_COLUMNS)` lines, UTF-8. */
  readonly events: Uint8Array;
  /** `COPY source_lines (SOURCE_LINE_COLUMNS)` lines of completed blocks, UTF-8. */
  readonly sourceLines: Uint8Array;
}

/** Columns of the COPY lines of `EncodedRows.sourceLines`. */
export const SOURCE_LINE_COLUMNS = "trace_id, first_line, last_line, text";

/** An event the store cannot hold, with the line that made it. */
export class BadImportEvent extends Error {
  constructor(
    readonly seq: number,
    readonly line: number | null,
    readonly problem: EventValidationError,
  ) {
    super(`event ${seq}${problem.field === "event" ? "" : `: ${problem.field}`}: ${problem.problem}`);
    this.name = "BadImportEvent";
  }

  /** The one-line message, placed in `file` (`file:line: event N: field: problem`; `line N: …` without a file). */
  at(file: string | null): string {
    const place = this.line === null ? "" : file === null ? `line ${this.line}: ` : `${file}:${this.line}: `;
    return `${place}${this.message}`;
  }
}

/** Bytes of COPY text per piece handed on. */
const PIECE_BYTES = 512 * 1024;

/** Characters of text gathered before they are encoded: one native call per few hundred rows, and short-lived strings. */
const GATHER_CHARS = 16 * 1024;

/** UTF-8 bytes appended to a growing buffer of its own (never Buffer's shared pool: it may be transferred). */
class ByteSink {
  private buf: Buffer;
  private bytes = 0;
  private text = "";

  constructor(private readonly initial: number) {
    this.buf = Buffer.allocUnsafeSlow(initial);
  }

  /** Bytes written so far (characters gathered and not yet encoded count one each). */
  get length(): number {
    return this.bytes + this.text.length;
  }

  write(s: string): void {
    this.text += s;
    if (this.text.length >= GATHER_CHARS) this.encode();
  }

  writeBytes(b: Uint8Array): void {
    this.encode();
    this.room(b.length);
    this.buf.set(b, this.bytes);
    this.bytes += b.length;
  }

  /** The bytes written (a view), kept until `reset`. */
  view(): Uint8Array {
    this.encode();
    return this.buf.subarray(0, this.bytes);
  }

  /** The bytes written, in a buffer of their own; the sink starts over. */
  take(): Uint8Array {
    this.encode();
    const out = this.buf.subarray(0, this.bytes);
    this.buf = Buffer.allocUnsafeSlow(Math.max(this.initial, 1024));
    this.bytes = 0;
    return out;
  }

  reset(): void {
    this.bytes = 0;
    this.text = "";
  }

  private encode(): void {
    if (this.text === "") return;
    // A UTF-16 unit takes at most 3 bytes of UTF-8.
    this.room(this.text.length * 3);
    this.bytes += this.buf.write(this.text, this.bytes);
    this.text = "";
  }

  private room(n: number): void {
    if (this.bytes + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.bytes + n));
    this.buf.copy(bigger, 0, 0, this.bytes);
    this.buf = bigger;
  }
}

const EMPTY = new Uint8Array(0);
/** The tab and newline inside a block's text, escaped for COPY. */
const TAB = copyText("\t");
const NEWLINE = copyText("\n");

export class ImportRowsEncoder {
  private readonly events = new ByteSink(PIECE_BYTES + (PIECE_BYTES >> 2));
  private readonly sources = new ByteSink(PIECE_BYTES >> 2);
  /** The source-line block being filled: its lines' text (escaped), its first and last line. */
  private readonly block = new ByteSink(BLOCK_CHARS * 2);
  private blockFirst = 0;
  private blockLast = 0;
  private blockLines = 0;
  private firstSeq = 1;
  private count = 0;

  constructor(readonly traceId: string) {}

  /** Seqs given so far. */
  get seq(): number {
    return this.firstSeq + this.count - 1;
  }

  /** Events (in order, seqs following on) and the lines that made them (ascending, each once). */
  add(events: readonly RaceEvent[], lines: readonly SourceLine[]): void {
    for (const e of events) {
      let row;
      try {
        row = eventToRow(e);
      } catch (err) {
        if (err instanceof EventValidationError) throw new BadImportEvent(this.seq + 1, e.origin?.line ?? null, err);
        throw err;
      }
      this.count++;
      this.events.write(copyLine(this.traceId, this.seq, row));
    }
    for (const l of lines) {
      if (this.blockLines === 0) this.blockFirst = l.line;
      else this.block.write(NEWLINE);
      this.block.write(`${l.line}${TAB}${copyText(l.text)}`);
      this.blockLast = l.line;
      if (++this.blockLines >= BLOCK_LINES || this.block.length >= BLOCK_CHARS) this.closeBlock();
    }
  }

  /** A piece when enough is waiting (or, with `all`, whatever is, the last block closed), else null. */
  take(all = false): EncodedRows | null {
    if (all) this.closeBlock();
    if (this.events.length + this.sources.length < (all ? 1 : PIECE_BYTES)) return null;
    const out: EncodedRows = {
      traceId: this.traceId,
      firstSeq: this.firstSeq,
      count: this.count,
      events: this.events.length === 0 ? EMPTY : this.events.take(),
      sourceLines: this.sources.length === 0 ? EMPTY : this.sources.take(),
    };
    this.firstSeq += this.count;
    this.count = 0;
    return out;
  }

  private closeBlock(): void {
    if (this.blockLines === 0) return;
    this.sources.write(`${this.traceId}\t${this.blockFirst}\t${this.blockLast}\t`);
    this.sources.writeBytes(this.block.view());
    this.sources.write("\n");
    this.block.reset();
    this.blockLines = 0;
  }
}
