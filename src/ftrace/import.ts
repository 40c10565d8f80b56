/**
 * `importFile(store, file, opts)`: a trace file (or `-` for stdin, plain or
 * gzip) into the event store, streaming, in one read of the content as a
 * rule: the lines go through the pure pipeline (`TraceImporter`) and the
 * events, in recorded order and in batches, into `store.importTrace` — one
 * transaction, so a malformed line (or a killed process) leaves nothing of
 * the trace stored. The database ingests while the next lines are parsed.
 *
 * The content's sha256 is computed on the way; before the store commits, a
 * trace with that hash means a re-import: the transaction is dropped and the
 * earlier trace returned (unless another `name` is asked). When a trace of
 * the same name exists already (the same file imported again, most likely)
 * the content is hashed first instead, so that a re-import costs a read,
 * not an import; a malformed line is looked up the same way before it is
 * reported (the content may have been imported with --skip-invalid). A second fsid found after events were made (they were made
 * for one filesystem, DOMAIN.md §6.3) drops the transaction too, and the
 * content is imported again knowing it.
 */
import path from "node:path";
import type { Readable } from "node:stream";
import { DomainError } from "../errors.ts";
import type { SourceLine } from "../events/source-lines.ts";
import type { EventStore, ImportBatch, TraceInfo, TraceOwner } from "../events/store.ts";
import type { RaceEvent } from "../events/types.ts";
import type { FormatOption } from "./detect.ts";
import { InvalidLineError, TraceImporter } from "./importer.ts";
import { loadMapTable } from "./map-load.ts";
import { FileOverflow } from "./overflow.ts";
import type { MapTable } from "./map-table.ts";
import type { ImportReport } from "./report.ts";
import { ContentScan, inflateLimitsFromEnv, openSource, prescan, readChunks, type InflateLimits, type ReadPosition, type Source } from "./source.ts";
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
  /** How far a gzip may inflate (default: RACELAB_MAX_EXPANDED_BYTES / RACELAB_MAX_COMPRESSION_RATIO, else DEFAULT_INFLATE_LIMITS). */
  readonly inflate?: InflateLimits;
  /** Where temporary files go (stdin's copy, spilled events; default: the system temp folder). */
  readonly tmpRoot?: string;
  /** Who the new trace belongs to (default: nobody, made on the machine). */
  readonly owner?: TraceOwner;
  /** Store the text of the lines that made events, each event's source line (default true; bench/import.ts measures its cost). */
  readonly sourceLines?: boolean;
}

export interface ImportProgress {
  /** Bytes of the file read so far, as stored (compressed bytes for gzip). */
  readonly bytes: number;
  /** Size of the file as stored. */
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

const BATCH = 1_000;
const PROGRESS_EVERY = 65_536;

export async function importFile(store: EventStore, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const table = opts.table ?? loadMapTable(opts.mapFiles ?? []);
  const src = await openSource(file, opts.stdin, opts.displayName, opts.inflate ?? inflateLimitsFromEnv(), opts.tmpRoot);
  try {
    const name = opts.name ?? defaultName(src);
    let multipleFsids = false;
    let hashedFirst = false;
    if (await store.findTrace(name)) {
      hashedFirst = true;
      const scan = await prescan(src);
      const known = await store.findTraceByHash(scan.hash);
      if (known && isEarlier(known, opts)) return earlier(known);
      multipleFsids = scan.multipleFsids;
    }
    for (;;) {
      try {
        return await importPass(store, src, table, name, multipleFsids, opts);
      } catch (err) {
        if (err instanceof KnownContent) {
          const known = await store.getTrace(err.traceId);
          if (known) return earlier(known);
          continue; // deleted meanwhile: import after all
        }
        if (!(err instanceof SecondFsid)) {
          // A bad line in content imported before (say with --skip-invalid) is answered by that
          // import, as it is when the content is hashed first: hash the rest and look.
          if (!hashedFirst && err instanceof DomainError && err.code === "INVALID_TRACE") {
            const known = await prescan(src).then((scan) => store.findTraceByHash(scan.hash), () => null);
            if (known && isEarlier(known, opts)) return earlier(known);
          }
          throw err;
        }
        multipleFsids = true;
      }
    }
  } finally {
    await src.close();
  }
}

/** A trace with the same content is this import's, unless another name is asked. */
function isEarlier(known: { readonly name: string }, opts: ImportOptions): boolean {
  return opts.name === undefined || opts.name === known.name;
}

function earlier(trace: TraceInfo): ImportResult {
  return { trace, existing: true, report: (trace.meta?.report ?? null) as ImportReport | null };
}

/** The content turned out to be a trace's imported before: nothing of this pass is stored. */
class KnownContent extends Error {
  constructor(readonly traceId: string) {
    super(`content imported before as trace ${traceId}`);
  }
}

/** A second fsid showed up after events were made for one filesystem: nothing of this pass is stored. */
class SecondFsid extends Error {
  constructor() {
    super("a second fsid: import again knowing it");
  }
}

/** One read of the content, parsed and stored in one transaction (thrown away on KnownContent, SecondFsid or an error). */
async function importPass(
  store: EventStore,
  src: Source,
  table: MapTable,
  name: string,
  multipleFsids: boolean,
  opts: ImportOptions,
): Promise<ImportResult> {
  const overflow = new FileOverflow(opts.tmpRoot);
  try {
    const importer = new TraceImporter({
      table,
      format: opts.format ?? "auto",
      skipInvalid: opts.skipInvalid ?? false,
      multipleFsids,
      overflow,
      queueLimit: opts.queueLimit,
      sourceLines: opts.sourceLines ?? true,
    });
    // The report is filled as the import goes, the hash once the content is read; the store
    // writes both (as they are then) when the events are in, before it commits.
    const meta: { importer: string; report: ImportReport | null } = { importer: "ftrace", report: null };
    const source: { file: string; hash: string | null; format: string } = { file: src.display, hash: null, format: "ftrace" };
    const scan = new ContentScan();
    const batches = eventBatches(src, importer, scan, { ...opts, multipleFsids }, () => {
      meta.report = importer.buildReport();
      source.hash = scan.hash();
    });
    // Format is known once the first content line is read: the generator reads ahead to it.
    const stream = await primed(batches);
    source.format = importer.format ?? "ftrace";
    const trace = await store.importTrace({ name, source, meta, ...(opts.owner ? { owner: opts.owner } : {}) }, stream, async (tx) => {
      const known = await tx.traceWithHash(source.hash!);
      if (known && isEarlier(known, opts)) throw new KnownContent(known.id);
    });
    return { trace, existing: false, report: meta.report ?? importer.buildReport() };
  } finally {
    overflow.close();
  }
}

function defaultName(src: Source): string {
  if (src.display === "stdin") return "stdin";
  return path.basename(src.display).replace(/\.gz$/, "");
}

/**
 * The events of a source in batches, in recorded order, with the text of
 * the lines that made them; every chunk goes through `scan` before its lines are parsed. Throws DomainError
 * INVALID_TRACE `file:line: what: text` on a malformed line, SecondFsid when
 * `scan` finds a second fsid while `multipleFsids` was not known. `onDone`
 * runs after the last batch (the store has not committed yet).
 */
async function* eventBatches(
  src: Source,
  importer: TraceImporter,
  scan: ContentScan,
  opts: ImportOptions & { multipleFsids: boolean },
  onDone: () => void,
): AsyncGenerator<ImportBatch> {
  const splitter = new LineSplitter(opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  const batchSize = opts.batchSize ?? BATCH;
  const position: ReadPosition = { bytes: 0 };
  let batch: RaceEvent[] = [];
  let lines: SourceLine[] = [];
  let events = 0;
  let nextProgress = PROGRESS_EVERY;
  const progress = () =>
    opts.onProgress?.({ bytes: position.bytes, totalBytes: src.size, lines: splitter.lines, events: events + batch.length });
  try {
    const feed = (items: ReturnType<LineSplitter["push"]>) => {
      for (const it of items) {
        if (it.kind === "line") importer.push(it.text, it.line, it.last, it.nul);
        else importer.pushOverlong(excerpt(it.prefix), it.line, it.bytes);
      }
      const ready = importer.take();
      for (const e of ready) batch.push(e);
      for (const l of importer.takeSourceLines()) lines.push(l);
    };
    let announced = false;
    for await (const chunk of readChunks(src, position)) {
      scan.push(chunk);
      if (scan.multipleFsids && !opts.multipleFsids) throw new SecondFsid();
      feed(splitter.push(chunk));
      // The first (empty) batch says the format is known: the caller creates the trace then.
      if (!announced && importer.format !== null) {
        announced = true;
        yield { events: [] };
      }
      if (batch.length >= batchSize) {
        events += batch.length;
        const out = { events: batch, sourceLines: lines };
        batch = [];
        lines = [];
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
    for (const l of importer.takeSourceLines()) lines.push(l);
    if (importer.format === null) throw new DomainError("INVALID_TRACE", `${src.display}: empty file (no trace lines)`);
    if (!announced) yield { events: [] };
  } catch (err) {
    if (err instanceof InvalidLineError) {
      throw new DomainError("INVALID_TRACE", `${src.display}:${err.line}: ${err.problem}: ${excerpt(err.text)}`, { cause: err });
    }
    throw err;
  }
  events += batch.length;
  const last = { events: batch, sourceLines: lines };
  batch = [];
  lines = [];
  if (last.events.length > 0 || last.sourceLines.length > 0) yield last;
  progress();
  onDone();
}

/**
 * Runs the generator to its first yield (the format is then known) and
 * returns an iterable that replays that first batch, then the rest.
 */
async function primed(gen: AsyncGenerator<ImportBatch>): Promise<AsyncIterable<ImportBatch>> {
  const first = await gen.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      yield first.value;
      yield* gen;
    },
  };
}
