/**
 * One pass of an import over its content, with no database: read (plain or
 * gzip), hash and scan, split, tokenize, bind, and encode the events and
 * source lines as the store's COPY rows (`ImportRowsEncoder`). It yields
 * what the store needs, in order: the format once known, pieces of rows,
 * progress, and at the end the report and the content hash. It runs in the
 * importing thread for a small file, in a worker thread for a large one
 * (`parse-thread.ts`): what it yields can cross threads as it is.
 */
import { DomainError } from "../errors.ts";
import { BadImportEvent, ImportRowsEncoder, type EncodedRows } from "../events/import-rows.ts";
import { InvalidLineError, TraceImporter } from "./importer.ts";
import type { FormatOption } from "./detect.ts";
import type { MapTable } from "./map-table.ts";
import { FileOverflow } from "./overflow.ts";
import type { ImportReport } from "./report.ts";
import { ContentScan, readChunks, type ReadPosition, type SourceFile } from "./source.ts";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "./splitter.ts";
import { excerpt } from "./text.ts";

export interface PassOptions {
  readonly traceId: string;
  readonly format: FormatOption;
  readonly skipInvalid: boolean;
  readonly multipleFsids: boolean;
  readonly sourceLines: boolean;
  readonly maxLineBytes?: number;
  readonly queueLimit?: number;
  readonly tmpRoot?: string;
  /** False: the caller hashes and scans the content itself (`ContentScan`), on another thread; `done` has no hash. */
  readonly scan?: boolean;
}

export type PassMessage =
  | { readonly kind: "format"; readonly format: string }
  | { readonly kind: "rows"; readonly rows: EncodedRows }
  | { readonly kind: "progress"; readonly bytes: number; readonly lines: number; readonly events: number }
  /** `hash`: null when the pass did not scan (`PassOptions.scan` false). */
  | { readonly kind: "done"; readonly report: ImportReport; readonly hash: string | null }
  /** The pass stopped: a bad line (INVALID_TRACE), a second fsid found late (SECOND_FSID), or another DomainError's code. */
  | { readonly kind: "failed"; readonly code: string; readonly message: string };

const PROGRESS_EVERY = 65_536;

/**
 * The pass's messages. A failure is the last message, never a throw (except
 * a bug): the receiving side turns it into the error it stands for.
 */
export async function* parsePass(src: SourceFile, table: MapTable, opts: PassOptions): AsyncGenerator<PassMessage> {
  const overflow = new FileOverflow(opts.tmpRoot);
  try {
    const importer = new TraceImporter({
      table,
      format: opts.format,
      skipInvalid: opts.skipInvalid,
      multipleFsids: opts.multipleFsids,
      overflow,
      queueLimit: opts.queueLimit,
      sourceLines: opts.sourceLines,
    });
    const encoder = new ImportRowsEncoder(opts.traceId);
    const splitter = new LineSplitter(opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    const scan = opts.scan === false ? null : new ContentScan();
    const position: ReadPosition = { bytes: 0 };
    let nextProgress = PROGRESS_EVERY;
    let announced = false;
    const progress = (): PassMessage => ({ kind: "progress", bytes: position.bytes, lines: splitter.lines, events: encoder.seq });
    const feed = (items: ReturnType<LineSplitter["push"]>) => {
      for (const it of items) {
        if (it.kind === "line") importer.push(it.text, it.line, it.last, it.nul);
        else importer.pushOverlong(excerpt(it.prefix), it.line, it.bytes);
      }
      encoder.add(importer.take(), importer.takeSourceLines());
    };
    try {
      for await (const chunk of readChunks(src, position)) {
        if (scan) {
          scan.push(chunk);
          if (scan.multipleFsids && !opts.multipleFsids) {
            yield secondFsid(src);
            return;
          }
        }
        feed(splitter.push(chunk));
        // The format is known once the first content line is read: the store creates the trace then.
        if (!announced && importer.format !== null) {
          announced = true;
          yield { kind: "format", format: importer.format };
        }
        const rows = encoder.take();
        if (rows) yield { kind: "rows", rows };
        if (splitter.lines >= nextProgress) {
          nextProgress = splitter.lines + PROGRESS_EVERY;
          yield progress();
        }
      }
      feed(splitter.end());
      importer.finish();
      encoder.add(importer.take(), importer.takeSourceLines());
    } catch (err) {
      const failed = failure(src.display, err);
      if (failed) {
        yield failed;
        return;
      }
      throw err;
    }
    if (importer.format === null) {
      yield { kind: "failed", code: "INVALID_TRACE", message: `${src.display}: empty file (no trace lines)` };
      return;
    }
    if (!announced) yield { kind: "format", format: importer.format };
    const rows = encoder.take(true);
    if (rows) yield { kind: "rows", rows };
    yield progress();
    yield { kind: "done", report: importer.buildReport(), hash: scan?.hash() ?? null };
  } finally {
    overflow.close();
  }
}

/** The pass stops at a second fsid: the import starts again knowing it (binding by fsid). */
export function secondFsid(src: Pick<SourceFile, "display">): PassMessage {
  return { kind: "failed", code: "SECOND_FSID", message: `${src.display}: a second fsid` };
}

/** The message of an error that stops the pass for a reason the user is told; null for a bug. */
function failure(display: string, err: unknown): PassMessage | null {
  if (err instanceof InvalidLineError) {
    return { kind: "failed", code: "INVALID_TRACE", message: `${display}:${err.line}: ${err.problem}: ${excerpt(err.text)}` };
  }
  // The importer's events all carry their line.
  if (err instanceof BadImportEvent) return { kind: "failed", code: "BAD_USER_INPUT", message: err.at(display) };
  if (err instanceof DomainError) return { kind: "failed", code: err.code, message: err.message };
  return null;
}
