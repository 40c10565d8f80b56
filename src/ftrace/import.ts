/**
 * `importFile(store, file, opts)`: a trace file (or `-` for stdin, plain or
 * gzip) into the event store, streaming, in one read of the content as a
 * rule: one pass (`parse-pass.ts`: the pure pipeline `TraceImporter`, and the
 * rows encoded for COPY) feeds `store.importTrace` — one transaction, so a
 * malformed line (or a killed process) leaves nothing of the trace stored.
 * For a large file the pass runs in a worker thread: this thread only writes
 * rows to the database while the next ones are parsed.
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
import { randomUUID } from "node:crypto";
import path from "node:path";
import type { Readable } from "node:stream";
import { DomainError, type ErrorCode } from "../errors.ts";
import type { EncodedRows } from "../events/import-rows.ts";
import type { EncodedBatch, EventStore, TraceInfo, TraceOwner } from "../events/store.ts";
import type { FormatOption } from "./detect.ts";
import { loadMapTable } from "./map-load.ts";
import type { MapTable } from "./map-table.ts";
import { parsePass, type PassMessage, type PassOptions } from "./parse-pass.ts";
import type { ImportReport } from "./report.ts";
import { inflateLimitsFromEnv, openSource, prescan, type InflateLimits, type Source } from "./source.ts";
import { threadedPass } from "./threaded-pass.ts";

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
  /** Parse in a worker thread (default: when the content is THREAD_FROM_BYTES or more; never with `table`). */
  readonly thread?: boolean;
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

/**
 * Content (decompressed, as far as one can tell) from which the parse runs in
 * a worker thread: below, a thread's start costs more than it saves.
 */
export const THREAD_FROM_BYTES = 16 << 20;
/** What a gzip is taken to inflate to, for THREAD_FROM_BYTES. */
const GZIP_RATIO = 8;

export async function importFile(store: EventStore, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  // Loaded here even when a worker thread parses (and loads it again): a bad mapping file is refused first.
  const table = opts.table ?? loadMapTable(opts.mapFiles ?? []);
  const src = await openSource(file, opts.stdin, opts.displayName, opts.inflate ?? inflateLimitsFromEnv(), opts.tmpRoot);
  const threaded = opts.table === undefined && (opts.thread ?? src.size * (src.gzip ? GZIP_RATIO : 1) >= THREAD_FROM_BYTES);
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
        return await importPass(store, src, threaded ? null : table, name, multipleFsids, opts);
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
  /** Null: parse in a worker thread (which loads the mapping table of `opts.mapFiles` itself). */
  table: MapTable | null,
  name: string,
  multipleFsids: boolean,
  opts: ImportOptions,
): Promise<ImportResult> {
  const passOptions: PassOptions = {
    traceId: randomUUID(),
    format: opts.format ?? "auto",
    skipInvalid: opts.skipInvalid ?? false,
    multipleFsids,
    sourceLines: opts.sourceLines ?? true,
    ...(opts.maxLineBytes !== undefined ? { maxLineBytes: opts.maxLineBytes } : {}),
    ...(opts.queueLimit !== undefined ? { queueLimit: opts.queueLimit } : {}),
    ...(opts.tmpRoot !== undefined ? { tmpRoot: opts.tmpRoot } : {}),
  };
  const pass = table === null ? threadedPass(src, opts.mapFiles ?? [], passOptions) : parsePass(src, table, passOptions);
  // The report and the hash come with the last message; the store writes both (as they are then)
  // when the events are in, before it commits.
  const meta: { importer: string; report: ImportReport | null } = { importer: "ftrace", report: null };
  const source: { file: string; hash: string | null; format: string } = { file: src.display, hash: null, format: "ftrace" };
  try {
    // The format is known once the first content line is read: the trace is created then.
    await nextRows(pass, meta, source, opts.onProgress, src.size);
    const trace = await store.importTrace(
      { id: passOptions.traceId, name, source, meta, ...(opts.owner ? { owner: opts.owner } : {}) },
      rowsOf(pass, meta, source, opts.onProgress, src.size),
      async (tx) => {
        const known = await tx.traceWithHash(source.hash!);
        if (known && isEarlier(known, opts)) throw new KnownContent(known.id);
      },
    );
    return { trace, existing: false, report: meta.report };
  } finally {
    await pass.return(undefined);
  }
}

/**
 * The pass's messages up to the next piece of rows (or the end): the format,
 * progress and the final report are taken in on the way, a failure thrown as
 * the error it stands for. Null at the end.
 */
async function nextRows(
  pass: AsyncGenerator<PassMessage>,
  meta: { report: ImportReport | null },
  source: { hash: string | null; format: string },
  onProgress: ImportOptions["onProgress"],
  totalBytes: number,
): Promise<EncodedRows | "format" | null> {
  for (;;) {
    const { value: m, done } = await pass.next();
    if (done) return null;
    switch (m.kind) {
      case "format":
        source.format = m.format;
        return "format";
      case "rows":
        return m.rows;
      case "progress":
        onProgress?.({ bytes: m.bytes, totalBytes, lines: m.lines, events: m.events });
        break;
      case "done":
        meta.report = m.report;
        source.hash = m.hash;
        break;
      case "failed":
        if (m.code === "SECOND_FSID") throw new SecondFsid();
        throw new DomainError(m.code as ErrorCode, m.message);
    }
  }
}

/** The rows of the rest of the pass, for the store. */
async function* rowsOf(
  pass: AsyncGenerator<PassMessage>,
  meta: { report: ImportReport | null },
  source: { hash: string | null; format: string },
  onProgress: ImportOptions["onProgress"],
  totalBytes: number,
): AsyncGenerator<EncodedBatch> {
  for (;;) {
    const rows = await nextRows(pass, meta, source, onProgress, totalBytes);
    if (rows === null) return;
    if (rows !== "format") yield { encoded: rows };
  }
}

function defaultName(src: Source): string {
  if (src.display === "stdin") return "stdin";
  return path.basename(src.display).replace(/\.gz$/, "");
}
