/**
 * The text of the log lines that made events (issue 14): an event shows its
 * source line, number and text. The importer hands them to the store beside
 * the events; the store keeps them in blocks (`source_lines`, one row per
 * few hundred lines: a row per line would cost the import an index entry per
 * event). A block's text is `<line>\t<text>` per line, joined by newlines,
 * lines ascending. Pure: the block format and its builder; the store does the I/O.
 */

export interface SourceLine {
  /** 1-based line number in the imported file. */
  readonly line: number;
  /** The line as read (no end of line). */
  readonly text: string;
}

export interface SourceBlock {
  readonly firstLine: number;
  readonly lastLine: number;
  readonly text: string;
}

/** A block closes at this many lines or characters of text, whichever comes first. */
export const BLOCK_LINES = 512;
export const BLOCK_CHARS = 64 * 1024;

/** Why a source line cannot be stored, or null when it can. */
export function sourceLineProblem(l: unknown, previous: number): string | null {
  const x = l as Partial<SourceLine> | null;
  if (typeof x !== "object" || x === null) return "expected {line, text}";
  if (!Number.isSafeInteger(x.line) || x.line! < 1 || x.line! > 2 ** 31 - 1) return `line: expected a line number, got ${JSON.stringify(x.line)}`;
  if (x.line! <= previous) return `line ${x.line}: source lines must come in ascending order (after line ${previous})`;
  if (typeof x.text !== "string") return `line ${x.line}: text must be a string`;
  if (/[\n\u0000]/.test(x.text)) return `line ${x.line}: text holds a newline or NUL character`;
  return null;
}

/**
 * Collects lines (ascending) into blocks. With `escape` (the store's COPY
 * escaping), a block's text comes escaped, its tabs and newlines included:
 * ready for COPY without a pass over the whole block.
 */
export class SourceBlockBuilder {
  private first = 0;
  private last = 0;
  private count = 0;
  private text = "";
  private readonly tab: string;
  private readonly newline: string;

  constructor(private readonly escape: ((text: string) => string) | null = null) {
    this.tab = escape ? escape("\t") : "\t";
    this.newline = escape ? escape("\n") : "\n";
  }

  /** Adds a line; returns the block it completed, if any. */
  add(l: SourceLine): SourceBlock | null {
    if (this.count === 0) this.first = l.line;
    this.text += `${this.count === 0 ? "" : this.newline}${l.line}${this.tab}${this.escape ? this.escape(l.text) : l.text}`;
    this.last = l.line;
    this.count++;
    return this.count >= BLOCK_LINES || this.text.length >= BLOCK_CHARS ? this.take() : null;
  }

  /** The lines not yet in a block, as one; null when none. */
  take(): SourceBlock | null {
    if (this.count === 0) return null;
    const block = { firstLine: this.first, lastLine: this.last, text: this.text };
    this.count = 0;
    this.text = "";
    return block;
  }
}

/** The lines of a block's text (only `wanted` ones when given). */
export function blockLines(text: string, wanted?: ReadonlySet<number>): Map<number, string> {
  const out = new Map<number, string>();
  let at = 0;
  while (at < text.length) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    const tab = text.indexOf("\t", at);
    const line = Number(text.slice(at, tab));
    if (!wanted || wanted.has(line)) out.set(line, text.slice(tab + 1, end));
    at = end + 1;
  }
  return out;
}
