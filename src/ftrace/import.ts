/**
 * `importFile(store, file, opts)`: a trace file (or `-` for stdin, plain or
 * gzip) into the event store, streaming. The content is hashed first: the
 * same content imported again returns the existing trace (unless another
 * `name` is asked). Then the lines go through the pure pipeline
 * (`TraceImporter`) and the events, in recorded order and in batches, into
 * `store.importTrace` — one transaction, so a malformed line (or a killed
 * process) leaves nothing of the trace stored.
 */
import path from "node:path";
import type { Readable } from "node:stream";
import { DomainError } from "../errors.ts";
import type { EventStore, TraceInfo } from "../events/store.ts";
import type { RaceEvent } from "../events/types.ts";
import type { FormatOption } from "./detect.ts";
import { InvalidLineError, TraceImporter } from "./importer.ts";
import { loadMapTable } from "./map-load.ts";
import { FileOverflow } from "./overflow.ts";
import type { MapTable } from "./map-table.ts";
import type { ImportReport } from "./report.ts";
import { openSource, prescan, readChunks, type Source } from "./source.ts";
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from "./splitter.ts";
import { excerpt } from "./text.ts";

export interface ImportOptions {
  /** Trace name (default: the file's base name, `stdin` for `-`). A new name imports again even if the content is known. */
  readonly name?: string;
  readonly format?: FormatOption;
  readonly skipInvalid?: boolean;
  /** The name the user knows the file by (an upload's client file name), used in messages and as `source.file`. */
  readonly displayName?: string;
  /** Extra mapping table files (after the default and `RACELAB_FTRACE_MAP`). */
  readonly mapFiles?: readonly string[];
  /** A compiled table (tests); overrides `mapFiles`. */
  readonly table?: MapTable;
  /** Standard input for `-` (default process.stdin). */
  readonly stdin?: Readable;
  /** Progress callback, called every `progressEvery` lines and at the end. */
  readonly onProgress?: (p: ImportProgress) => void;
  readonly maxLineBytes?: number;
  /** Events per batch handed to the store. */
  readonly batchSize?: number;
  /** Events held in memory before waiting ones spill to a temporary file (default 100k). */
  readonly queueLimit?: number;
}

export interface ImportProgress {
  readonly bytes: number;
  readonly totalBytes: number;
  readonly lines: number;
  readonly events: number;
}

export interface ImportResult {
  readonly trace: TraceInfo;
  /** The content had been imported before: `trace` is that import, nothing was written. */
  readonly existing: boolean;
  /** The report of this import (of the earlier import when `existing`, if it was kept). */
  readonly report: ImportReport | null;
}

const BATCH = 5_000;
const PROGRESS_EVERY = 65_536;

export async function importFile(store: EventStore, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const table = opts.table ?? loadMapTable(opts.mapFiles ?? []);
  const src = await openSource(file, opts.stdin, opts.displayName);
  let overflow: FileOverflow | null = null;
  try {
    const scan = await prescan(src);
    const known = await store.findTraceByHash(scan.hash);
    if (known && (opts.name === undefined || opts.name === known.name)) {
      const report = (known.meta?.report ?? null) as ImportReport | null;
      return { trace: known, existing: true, report };
    }
    overflow = new FileOverflow();
    const importer = new TraceImporter({
      table,
      format: opts.format ?? "auto",
      skipInvalid: opts.skipInvalid ?? false,
      multipleFsids: scan.multipleFsids,
      overflow,
      queueLimit: opts.queueLimit,
    });
    // The report is filled as the import goes; the store serialises meta when it commits.
    const meta: { importer: string; report: ImportReport | null } = { importer: "ftrace", report: null };
    const name = opts.name ?? defaultName(src);
    const batches = eventBatches(src, importer, { ...opts, totalBytes: scan.bytes }, () => {
      meta.report = importer.buildReport();
    });
    // Format is known once the first content line is read: the generator reads ahead to it.
    const stream = await primed(batches);
    const trace = await store.importTrace(
      { name, source: { file: src.display, hash: scan.hash, format: importer.format ?? "ftrace" }, meta },
      stream,
    );
    const report = meta.report ?? importer.buildReport();
    return { trace, existing: false, report };
  } finally {
    overflow?.close();
    await src.close();
  }
}

function defaultName(src: Source): string {
  if (src.display === "stdin") return "stdin";
  return path.basename(src.display).replace(/\.gz$/, "");
}

/**
 * The events of a source in batches, in recorded order. Throws
 * DomainError INVALID_TRACE `file:line: what: text` on a malformed line.
 */
async function* eventBatches(
  src: Source,
  importer: TraceImporter,
  opts: ImportOptions & { totalBytes: number },
  onDone: () => void,
): AsyncGenerator<readonly RaceEvent[]> {
  const splitter = new LineSplitter(opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  const batchSize = opts.batchSize ?? BATCH;
  let batch: RaceEvent[] = [];
  let events = 0;
  let nextProgress = PROGRESS_EVERY;
  const progress = () =>
    opts.onProgress?.({ bytes: splitter.bytes, totalBytes: opts.totalBytes, lines: splitter.lines, events: events + batch.length });
  try {
    const feed = (items: ReturnType<LineSplitter["push"]>) => {
      for (const it of items) {
        if (it.kind === "line") importer.push(it.text, it.line, it.last, it.nul);
        else importer.pushOverlong(excerpt(it.prefix), it.line, it.bytes);
      }
      const ready = importer.take();
      for (const e of ready) batch.push(e);
    };
    let announced = false;
    for await (const chunk of readChunks(src)) {
      feed(splitter.push(chunk));
      // The first (empty) batch says the format is known: the caller creates the trace then.
      if (!announced && importer.format !== null) {
        announced = true;
        yield [];
      }
      if (batch.length >= batchSize) {
        events += batch.length;
        const out = batch;
        batch = [];
        yield out;
      }
      if (splitter.lines >= nextProgress) {
        nextProgress = splitter.lines + PROGRESS_EVERY;
        progress();
      }
    }
    feed(splitter.end());
    importer.finish();
    for (const e of importer.take()) batch.push(e);
    if (importer.format === null) throw new DomainError("INVALID_TRACE", `${src.display}: empty file (no trace lines)`);
    if (!announced) yield [];
  } catch (err) {
    if (err instanceof InvalidLineError) {
      throw new DomainError("INVALID_TRACE", `${src.display}:${err.line}: ${err.problem}: ${excerpt(err.text)}`, { cause: err });
    }
    throw err;
  }
  events += batch.length;
  if (batch.length > 0) yield batch;
  progress();
  onDone();
}

/**
 * Runs the generator to its first yield (the format is then known) and
 * returns an iterable that replays that first batch, then the rest.
 */
async function primed(gen: AsyncGenerator<readonly RaceEvent[]>): Promise<AsyncIterable<readonly RaceEvent[]>> {
  const first = await gen.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      yield first.value;
      yield* gen;
    },
  };
}
