/**
 * The pure import pipeline: lines → tokenizer → binder → events in recorded
 * order. No I/O: the caller feeds lines (`push`) and takes the events that
 * are ready (`take`); `parseTrace` does both for a whole text (tests, small
 * inputs). The streaming edge is `import.ts`.
 */
import { UUID_PATTERN } from "../names.ts";
import { decodeEvent, encodeEvent } from "../events/catalog.ts";
import type { SourceLine } from "../events/source-lines.ts";
import type { RaceEvent } from "../events/types.ts";
import { Binder, isFinal, type Slot, type TaskIdentity } from "./binder.ts";
import { detectFormat, UnsupportedTracer, type Detected, type FormatOption } from "./detect.ts";
import type { MapTable } from "./map-table.ts";
import { actorPid, LINE_NAMES, LineError, perCpuPid, type LineRecord, type TaskRef } from "./records.ts";
import { CONTEXT, EVENTS, lineName, NOISE, ReportBuilder, type ImportReport } from "./report.ts";
import { firstNonSpace } from "./tokenize/common.ts";
import { tokenizeFlat } from "./tokenize/flat.ts";
import { GraphTokenizer } from "./tokenize/graph.ts";
import { tokenizeJsonl } from "./tokenize/jsonl.ts";
import { tokenizeTraceCmd } from "./tokenize/trace-cmd.ts";

export interface ImporterOptions {
  readonly table: MapTable;
  readonly format?: FormatOption;
  /** Skip malformed lines (listed in the report) instead of stopping. */
  readonly skipInvalid?: boolean;
  /** The trace shows more than one fsid (`ContentScan` in source.ts finds out; import.ts imports again when it learns it late). */
  readonly multipleFsids?: boolean;
  /** Where waiting events go past `queueLimit` entries in memory (default: nowhere, memory grows). */
  readonly overflow?: Overflow;
  readonly queueLimit?: number;
  /** function_graph without TASK/PID: lines a CPU may print before its first context switch names its task (default 1M). */
  readonly readAheadLines?: number;
  /** Keep the text of each line that made an event, for `takeSourceLines` (the import stores them). */
  readonly sourceLines?: boolean;
}

/** A line that stops the import. */
export class InvalidLineError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
    readonly text: string,
  ) {
    super(`${line}: ${problem}`);
    this.name = "InvalidLineError";
  }
}

type Tokenize = (text: string) => LineRecord;

/** Header lines kept for detection; real headers have a dozen. */
const HEADERS_KEPT = 256;
/** Header lines that decide the format wherever they stand: `# tracer: …`, a graph column header. */
const DETECTING_HEADER = /^#\s*tracer:|FUNCTION CALLS/;

export class TraceImporter {
  readonly report = new ReportBuilder();
  private readonly binder: Binder;
  private readonly queue: OutputQueue;
  /** Header lines before the format is known: the first HEADERS_KEPT, plus any tracer or column line later (memory stays bounded whatever a log holds). */
  private readonly headers: string[] = [];
  private readonly headerLines: number[] = [];
  private detected: Detected | null = null;
  private tokenize: Tokenize | null = null;
  private graphTasks: GraphTasks | null = null;
  private graphTokenizer: GraphTokenizer | null = null;
  /** The line being read: its name in the report's line buckets, and whether it was used (context) should it make no event. */
  private lineName: string = LINE_NAMES.blank;
  private lineUsed = false;
  private lastLine = 0;
  private nextExpiry = 0;
  private finished = false;
  /** Lines that made events, not taken yet (when `sourceLines` is asked). */
  private sources: SourceLine[] = [];

  constructor(private readonly opts: ImporterOptions) {
    this.binder = new Binder(opts.table, this.report, (s) => this.queue.push(s), { multipleFsids: opts.multipleFsids ?? false });
    this.queue = new OutputQueue((s) => this.binder.materialize(s), opts.overflow ?? null, opts.queueLimit ?? 100_000);
  }

  /** The detected format (after the first content line). */
  get format(): string | null {
    return this.detected?.format ?? null;
  }

  /** Events waiting for a later line (chain subject, merge window, task). */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * One line (without its end of line). `last`: the file's last line had no
   * newline — if it does not read, it was cut off. `mayHoldNul`: false when
   * the caller knows the line has no NUL byte (the splitter checks chunks).
   */
  push(text: string, line: number, last = false, mayHoldNul = true): void {
    this.lastLine = line;
    this.report.lines = line;
    const made = this.queue.pushed;
    try {
      if (mayHoldNul && text.includes("\u0000")) throw new LineError("NUL byte in a text line (binary data?)");
      this.line(text, line);
      // Events made while this line was read carry its number (those made at the end of the trace have no line of their own).
      const madeEvents = this.queue.pushed !== made;
      this.report.line(this.lineName, madeEvents ? EVENTS : this.lineUsed ? CONTEXT : NOISE);
      if (this.opts.sourceLines && madeEvents) this.sources.push({ line, text });
      if (line >= this.nextExpiry && this.graphTasks) {
        const window = this.opts.readAheadLines ?? 1_000_000;
        this.nextExpiry = line + Math.min(window, 65_536);
        this.graphTasks.expire(this.binder, line, window, this.report);
      }
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      const problem = last ? `truncated last line (no newline at end of file): ${err.message}` : err.message;
      if (this.opts.skipInvalid && !(err instanceof UnsupportedTracer)) {
        this.report.skip(line);
        // No reader throws after making an event; were one to, the line would still count as what it did.
        this.report.line(LINE_NAMES.skipped, this.queue.pushed !== made ? EVENTS : NOISE);
        return;
      }
      throw new InvalidLineError(line, problem, text);
    }
  }

  /** A line longer than the splitter's cap (never buffered whole). */
  pushOverlong(prefix: string, line: number, length: number): void {
    this.lastLine = line;
    this.report.lines = line;
    if (this.opts.skipInvalid) {
      this.report.skip(line);
      this.report.line(LINE_NAMES.skipped, NOISE);
      return;
    }
    throw new InvalidLineError(line, `line too long (${length} bytes)`, prefix);
  }

  /**
   * The text of the lines that made events since the last call, ascending
   * (with the `sourceLines` option; empty otherwise). A line's events may
   * still be waiting for their subject: lines are known before events.
   */
  takeSourceLines(): SourceLine[] {
    const out = this.sources;
    this.sources = [];
    return out;
  }

  /** Events that are ready, in recorded order. */
  take(): RaceEvent[] {
    const out = this.queue.take();
    this.report.events += out.length;
    return out;
  }

  /** End of input: closes what is open; every event becomes ready. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.detected === null && this.headers.length > 0) {
      // A header and nothing else: detect from the header alone (an empty trace of a known tracer).
      try {
        this.detect("", this.lastLine);
      } catch (err) {
        if (err instanceof LineError) throw new InvalidLineError(this.lastLine, err.message, "");
        throw err;
      }
    }
    const made = this.queue.pushed;
    this.graphTasks?.finish(this.binder, this.lastLine, this.report);
    this.binder.finish(this.lastLine);
    this.report.eventsAtEnd = this.queue.pushed - made;
    this.report.format = this.detected?.format ?? this.report.format;
  }

  buildReport(): ImportReport {
    return this.report.build();
  }

  /** Reads one line; sets `lineName` and `lineUsed` for the report's line buckets. */
  private line(text: string, line: number): void {
    this.lineUsed = false;
    let detectedHere = false;
    if (this.tokenize === null) {
      const first = firstNonSpace(text);
      if (first === "") {
        this.lineName = LINE_NAMES.blank;
        return;
      }
      if (first === "#") {
        this.lineName = LINE_NAMES.header;
        // The tracer and graph column lines decide the format (context); other comments are noise.
        const detecting = DETECTING_HEADER.test(text);
        this.lineUsed = detecting;
        if (this.headers.length < HEADERS_KEPT || detecting) {
          this.headers.push(text);
          this.headerLines.push(line);
        }
        return;
      }
      this.detect(text, line);
      detectedHere = true;
    }
    const rec = this.tokenize!(text);
    this.lineName = lineName(rec);
    if (rec.kind === "event") {
      this.queue.push(rec.event);
      return;
    }
    if (rec.kind === "skip") {
      // A `cpus=N` first line decided the format (trace-cmd report).
      this.lineUsed = detectedHere;
      return;
    }
    if (rec.kind === "switch") {
      // A switch names the CPU's task only for lines that print none (no TASK/PID column).
      this.lineUsed = this.graphTokenizer?.layout?.proc !== true;
      this.graphTasks?.switch(rec.cpu, rec.from, rec.to, this.binder, line);
      return;
    }
    if (rec.kind === "gap") {
      this.binder.record(rec, line, null);
      return;
    }
    if (rec.kind === "quiet") {
      // Known noise needs no counting beyond its line; a name the table does not know is listed.
      if (!this.opts.table.tracepoints.has(rec.name)) this.report.unmapped(rec.name);
      return;
    }
    const identity = rec.task ? this.identities.of(rec.task, rec.cpu) : this.graphTasks!.current(rec.cpu, line);
    this.binder.record(rec, line, identity);
    this.lineUsed = this.binder.lineUsed;
  }

  private readonly identities = new Identities();

  private detect(text: string, line: number): void {
    let d: Detected;
    try {
      d = detectFormat(this.headers, text, this.opts.format ?? "auto");
    } catch (err) {
      if (err instanceof UnsupportedTracer) {
        const at = this.headers.findIndex((h) => /^#\s*tracer:/.test(h));
        throw new InvalidLineError(this.headerLines[at] ?? line, err.message, this.headers[at] ?? text);
      }
      throw err;
    }
    this.detected = d;
    this.report.format = d.format;
    switch (d.kind) {
      case "flat": {
        const tracepoints = this.opts.table.tracepoints;
        const quiet = (name: string) => tracepoints.get(name)?.kind !== "event";
        this.tokenize = (t) => tokenizeFlat(t, quiet);
        return;
      }
      case "trace-cmd":
        this.tokenize = tokenizeTraceCmd;
        return;
      case "jsonl":
        this.tokenize = tokenizeJsonl;
        return;
      case "graph": {
        const g = new GraphTokenizer(d.layout);
        this.graphTokenizer = g;
        this.tokenize = (t) => g.tokenize(t);
        // Lines without a TASK/PID column belong to their CPU's current task.
        this.graphTasks = new GraphTasks();
        return;
      }
    }
  }
}

/** One identity object per pid for lines that print their task (pid 0: one idle task per CPU). */
class Identities {
  private readonly byPid = new Map<number, TaskIdentity>();
  private sweepAt = 50_000;

  of(t: TaskRef, cpu: number | null): TaskIdentity {
    const pid = actorPid(t.pid, cpu);
    let id = this.byPid.get(pid);
    if (!id || (id.comm !== t.comm && t.comm !== null)) {
      id = { pid, comm: t.comm, resolved: true, key: pid };
      this.byPid.set(pid, id);
      if (this.byPid.size > this.sweepAt) {
        // Identities are cheap to remake; this only bounds memory over fork-heavy traces.
        this.byPid.clear();
        this.byPid.set(pid, id);
      }
    }
    return id;
  }
}

/**
 * Tasks of function_graph lines without a TASK/PID column (DOMAIN.md §6.1):
 * context-switch blocks set a CPU's current task; lines on a CPU before its
 * first block belong to that block's left-hand task — a placeholder until
 * then, resolved when the block comes (its events wait in the queue). A CPU
 * that shows no block at all is one unknown task of its own (pid −(1+N),
 * comm `cpuN`): two CPUs' open frames at the same time are never one task.
 */
class GraphTasks {
  private readonly cpus = new Map<number | null, TaskIdentity>();
  private readonly pids = new Map<number, TaskIdentity>();
  /** Unresolved placeholders: their CPU and first line. */
  private readonly since = new Map<TaskIdentity, { readonly cpu: number | null; readonly first: number }>();
  /** Placeholder context keys: below every per-CPU pid, so never shared with a resolved task. */
  private nextPlaceholder = -(2 ** 30);

  current(cpu: number | null, line: number): TaskIdentity {
    let id = this.cpus.get(cpu);
    if (!id) {
      id = { pid: 0, comm: null, resolved: false, key: this.nextPlaceholder-- };
      this.cpus.set(cpu, id);
      this.since.set(id, { cpu, first: line });
    }
    return id;
  }

  /**
   * Bounds the read-ahead: a CPU that printed no context switch within
   * `window` lines is taken as one without blocks (warning `task_unknown`),
   * so its waiting events need not be held to the end of a huge file.
   */
  expire(binder: Binder, line: number, window: number, report: ReportBuilder): void {
    for (const [id, { cpu, first }] of this.since) {
      if (line - first < window) continue;
      this.unknown(binder, id, cpu, first, line, report);
    }
  }

  switch(cpu: number, from: TaskRef, to: TaskRef, binder: Binder, line: number): void {
    const cur = this.cpus.get(cpu);
    if (cur && !cur.resolved) {
      this.since.delete(cur);
      binder.resolveTask(cur, actorPid(from.pid, cpu), from.comm, line);
    }
    this.cpus.set(cpu, this.identity(to, cpu));
  }

  private identity(t: TaskRef, cpu: number): TaskIdentity {
    const pid = actorPid(t.pid, cpu);
    let id = this.pids.get(pid);
    if (!id || (t.comm !== null && id.comm !== t.comm)) {
      id = { pid, comm: t.comm, resolved: true, key: pid };
      this.pids.set(pid, id);
    }
    return id;
  }

  /** CPUs that never printed a context switch: each is its own unknown task. */
  finish(binder: Binder, lastLine: number, report: ReportBuilder): void {
    for (const [id, { cpu, first }] of this.since) this.unknown(binder, id, cpu, first, lastLine, report);
  }

  private unknown(binder: Binder, id: TaskIdentity, cpu: number | null, first: number, line: number, report: ReportBuilder): void {
    this.since.delete(id);
    report.warn("task_unknown", first);
    binder.resolveTask(id, perCpuPid(cpu), `cpu${cpu ?? 0}`, line);
  }
}

/**
 * Where the output queue parks events while an early event waits for its
 * subject (a chain may stay open until its task's next chain of the kind, or
 * the end of the trace): lines appended, read back in order. The edge
 * provides a temporary file (`overflow.ts`); tests may use memory.
 */
export interface Overflow {
  append(line: string): void;
  /** The next line in append order, or null when every appended line was read. */
  next(): string | null;
  close(): void;
}

/**
 * Events in production order (= recorded order); the head leaves once final.
 * Past `limit` entries in memory, new entries go to the overflow: final ones
 * as their event, waiting ones as a reference (the slot stays in memory, it
 * may still change), so memory holds only what pending chains need.
 */
class OutputQueue {
  /** Entries pushed so far (the importer tells which lines made events by it). */
  pushed = 0;
  private items: (Slot | RaceEvent | undefined)[] = [];
  private head = 0;
  /** Entries in the overflow not yet taken back. */
  private spilled = 0;
  private readonly parked = new Map<number, Slot>();
  private nextParked = 0;
  /** An entry read back from the overflow that was not final yet. */
  private peeked: Slot | RaceEvent | null = null;

  constructor(
    private readonly materialize: (s: Slot) => RaceEvent,
    private readonly overflow: Overflow | null,
    private readonly limit: number,
  ) {}

  get length(): number {
    return this.items.length - this.head + this.spilled;
  }

  push(item: Slot | RaceEvent): void {
    this.pushed++;
    if (this.overflow && (this.spilled > 0 || this.items.length - this.head >= this.limit)) {
      this.spill(this.overflow, item);
      return;
    }
    this.items.push(item);
  }

  take(): RaceEvent[] {
    const out: RaceEvent[] = [];
    const items = this.items;
    let h = this.head;
    while (h < items.length) {
      const it = items[h]!;
      if ("origin" in it) out.push(it);
      else if (isFinal(it)) out.push(this.materialize(it));
      else break;
      items[h] = undefined;
      h++;
    }
    this.head = h;
    if (h === items.length) {
      this.items = [];
      this.head = 0;
      this.unspill(out);
    } else if (h > 65_536 && h * 2 > items.length) {
      this.items = items.slice(h);
      this.head = 0;
    }
    return out;
  }

  private spill(overflow: Overflow, item: Slot | RaceEvent): void {
    this.spilled++;
    if ("origin" in item) overflow.append(JSON.stringify(encodeEvent(item)));
    else if (isFinal(item)) overflow.append(JSON.stringify(encodeEvent(this.materialize(item))));
    else {
      const id = this.nextParked++;
      this.parked.set(id, item);
      overflow.append(`{"parked":${id}}`);
    }
  }

  private unspill(out: RaceEvent[]): void {
    while (this.spilled > 0) {
      let it = this.peeked;
      if (it === null) {
        const line = this.overflow!.next();
        if (line === null) throw new Error("overflow ended early");
        const json = JSON.parse(line) as { parked?: number };
        if (typeof json.parked === "number") {
          it = this.parked.get(json.parked)!;
          this.parked.delete(json.parked);
        } else it = decodeEvent(json);
      }
      if (!("origin" in it) && !isFinal(it)) {
        this.peeked = it;
        return;
      }
      this.peeked = null;
      this.spilled--;
      out.push("origin" in it ? it : this.materialize(it));
    }
  }
}

/** Whole-text convenience: every event and the report. Throws InvalidLineError. */
export function parseTrace(text: string, opts: ImporterOptions): { events: RaceEvent[]; report: ImportReport } {
  const imp = new TraceImporter({ ...opts, multipleFsids: opts.multipleFsids ?? countFsids(text) > 1 });
  const lines = text.split("\n");
  const endsWithNewline = text.endsWith("\n");
  if (endsWithNewline) lines.pop();
  const events: RaceEvent[] = [];
  lines.forEach((l, i) => {
    const t = l.endsWith("\r") ? l.slice(0, -1) : l;
    imp.push(t, i + 1, !endsWithNewline && i === lines.length - 1);
    for (const e of imp.take()) events.push(e);
  });
  imp.finish();
  for (const e of imp.take()) events.push(e);
  return { events, report: imp.buildReport() };
}

// `: ee24aaec-78d8-4bb8-a596-09a234d3cdd9: ` — the fsid prefix of a ≥4.8 btrfs tracepoint
const FSID_IN_LINE = new RegExp(`: (${UUID_PATTERN}):`, "g");

/** Distinct fsids printed by tracepoints in `text` (stops counting at 2). */
export function countFsids(text: string, seen = new Set<string>()): number {
  FSID_IN_LINE.lastIndex = 0;
  for (let m = FSID_IN_LINE.exec(text); m && seen.size < 2; m = FSID_IN_LINE.exec(text)) seen.add(m[1]!);
  return seen.size;
}
