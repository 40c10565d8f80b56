/**
 * The text of the log lines that made events (issue 14): an event shows its
 * source line, number and text. The importer hands them to the store beside
 * the events; the store keeps them in blocks (`source_lines`, one row per
 * few hundred lines: a row per line would cost the import an index entry per
 * event). A block's text is `<line>\t<text>` per line, joined by newlines,
 * lines ascending. Pure: the block format; `ImportRowsEncoder` (import-rows.ts)
 * builds blocks as COPY rows, the store does the I/O.
 */

export interface SourceLine {
  /** 1-based line number in the imported file. */
  readonly line: number;
  /** The line as read (no end of line). */
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
