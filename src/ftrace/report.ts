/**
 * The import report: what the importer made of a trace, including what it
 * could not map (counted by name, never silently dropped), lines skipped
 * with --skip-invalid, gap markers and warnings, and where every line went
 * (`lineBuckets`).
 */
import type { LineRecord } from "./records.ts";
import { LINE_NAMES } from "./records.ts";

export interface ImportWarning {
  readonly code: string;
  readonly line: number;
}

/** Lines of one name (or all) by what they did (docs/kernel-engineers.md, "Where every line went"). */
export interface LineCounts {
  /** Lines that made at least one event themselves. */
  readonly events: number;
  /** Lines that made no event but that the importer used (a role, a pending annotation, a merge, a chain or frame closed, a task named, the format). */
  readonly context: number;
  /** Lines that map to nothing. */
  readonly noise: number;
}

/** Every line of the file in exactly one bucket: `events + context + noise` = `lines`. */
export interface LineBuckets extends LineCounts {
  /** By function or tracepoint name, or a LINE_NAMES pseudo-name; most lines first (the first NAMES_KEPT names, the rest as OTHER_NAMES). */
  readonly byName: Record<string, LineCounts>;
  /** Events the end of the trace made (a trim still open ends there): no line made them, though they carry the last line's number. */
  readonly eventsAtEnd: number;
}

export interface ImportReport {
  /** `ftrace-function`, `ftrace-nop`, `ftrace-function_graph`, `trace-cmd`, `jsonl`. */
  readonly format: string;
  readonly lines: number;
  readonly events: number;
  /** Function and tracepoint names that map to nothing, with their counts. */
  readonly unmapped: Record<string, number>;
  /** Lines skipped as invalid (`--skip-invalid`), 1-based (the first LINES_KEPT; `skippedTotal` counts them all). */
  readonly skipped: number[];
  readonly skippedTotal: number;
  /** Lines of gap markers (`CPU:N [LOST K EVENTS]`, `##### CPU N buffer started ####`; the first LINES_KEPT). */
  readonly gaps: number[];
  readonly gapsTotal: number;
  /** Warnings in line order (the first WARNINGS_KEPT; `warningCounts` has them all). */
  readonly warnings: ImportWarning[];
  readonly warningCounts: Record<string, number>;
  /** Events whose bytenr stayed unbound (never guessed, DOMAIN.md §6.3 rule 4). */
  readonly unbound: number;
  /** Where every line went (absent from reports stored before it existed). */
  readonly lineBuckets?: LineBuckets;
}

/** A line's bucket, as an index into its name's counts. */
export const EVENTS = 0;
export const CONTEXT = 1;
export const NOISE = 2;
export type Bucket = typeof EVENTS | typeof CONTEXT | typeof NOISE;

/** Pseudo-names: always counted under their own name, never lumped into OTHER_NAMES. */
const FIXED_NAMES: ReadonlySet<string> = new Set(Object.values(LINE_NAMES));

// `bgr: args bytenr=…` → `bgr: args` (an annotation line is named by its word)
const ANNOTATION_WORD = /^bgr:\s*([A-Za-z_][A-Za-z0-9_]*)/;

/**
 * The name a line is counted under: its function or tracepoint name as
 * printed (normalised like the mapping table's), `bgr: <word>` for an
 * annotation, or a LINE_NAMES pseudo-name.
 */
export function lineName(rec: LineRecord): string {
  switch (rec.kind) {
    case "call":
    case "entry":
    case "tracepoint":
      return rec.name;
    case "exit":
      return rec.name ?? LINE_NAMES.exit;
    case "skip":
    case "quiet":
      return rec.name;
    case "gap":
      return LINE_NAMES.gap;
    case "switch":
      return LINE_NAMES.contextSwitch;
    case "event":
      return LINE_NAMES.jsonEvent;
    case "print": {
      const m = rec.text.startsWith("bgr:") ? ANNOTATION_WORD.exec(rec.text) : null;
      return m ? `bgr: ${m[1]}` : LINE_NAMES.print;
    }
  }
}

export const WARNINGS_KEPT = 10_000;
/** Line numbers kept per list: a report stays small whatever a log holds. */
export const LINES_KEPT = 10_000;
/** Distinct names counted one by one (unmapped names; line names besides LINE_NAMES); the rest together as OTHER_NAMES. */
export const NAMES_KEPT = 10_000;
export const OTHER_NAMES = "(other names)";

/**
 * A name kept as a key of its own. A name read from a line is a slice of
 * the chunk of text that line came in (V8 keeps the whole chunk alive for
 * it): 10,000 names from as many chunks would hold gigabytes. Concatenation
 * then slicing makes a flat copy.
 */
function ownCopy(name: string): string {
  return ` ${name}`.slice(1);
}

export class ReportBuilder {
  format = "";
  lines = 0;
  events = 0;
  private readonly unmappedCounts = new Map<string, { n: number }>();
  readonly skipped: number[] = [];
  readonly gaps: number[] = [];
  private skippedTotal = 0;
  private gapsTotal = 0;
  readonly warnings: ImportWarning[] = [];
  private readonly counts = new Map<string, number>();
  private unboundCount = 0;
  /** [events, context, noise] per line name. */
  private readonly byName = new Map<string, number[]>();
  eventsAtEnd = 0;

  /** One line of the file, counted under `name` in `bucket` (every line exactly once). */
  line(name: string, bucket: Bucket): void {
    const c = this.byName.get(name) ?? this.newName(name);
    c[bucket]!++;
  }

  private newName(name: string): number[] {
    const key = this.byName.size < NAMES_KEPT || FIXED_NAMES.has(name) ? name : OTHER_NAMES;
    let c = this.byName.get(key);
    if (!c) {
      c = [0, 0, 0];
      this.byName.set(ownCopy(key), c);
    }
    return c;
  }

  unmapped(name: string): void {
    const key = this.unmappedCounts.has(name) || this.unmappedCounts.size < NAMES_KEPT ? name : OTHER_NAMES;
    const c = this.unmappedCounts.get(key);
    if (c) c.n++;
    else this.unmappedCounts.set(ownCopy(key), { n: 1 });
  }

  warn(code: string, line: number): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    if (this.warnings.length < WARNINGS_KEPT) this.warnings.push({ code, line });
  }

  gap(line: number): void {
    this.gapsTotal++;
    if (this.gaps.length < LINES_KEPT) this.gaps.push(line);
  }

  skip(line: number): void {
    this.skippedTotal++;
    if (this.skipped.length < LINES_KEPT) this.skipped.push(line);
  }

  unbound(): void {
    this.unboundCount++;
  }

  build(): ImportReport {
    // fromEntries defines each name as an own key: assigning `unmapped["__proto__"]` would set the prototype instead.
    const unmapped: Record<string, number> = Object.fromEntries(
      [...this.unmappedCounts].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1)).map(([k, v]) => [k, v.n]),
    );
    return {
      format: this.format,
      lines: this.lines,
      events: this.events,
      unmapped,
      skipped: [...this.skipped],
      skippedTotal: this.skippedTotal,
      gaps: [...this.gaps],
      gapsTotal: this.gapsTotal,
      warnings: [...this.warnings].sort((a, b) => a.line - b.line),
      warningCounts: Object.fromEntries(this.counts),
      unbound: this.unboundCount,
      lineBuckets: this.buildLineBuckets(),
    };
  }

  private buildLineBuckets(): LineBuckets {
    const total = (c: number[]) => c[0]! + c[1]! + c[2]!;
    const sorted = [...this.byName].sort((a, b) => total(b[1]) - total(a[1]) || (a[0] < b[0] ? -1 : 1));
    let events = 0;
    let context = 0;
    let noise = 0;
    for (const [, c] of sorted) {
      events += c[0]!;
      context += c[1]!;
      noise += c[2]!;
    }
    // fromEntries: a name such as `__proto__` stays a key of its own.
    const byName: Record<string, LineCounts> = Object.fromEntries(sorted.map(([name, c]) => [name, { events: c[0]!, context: c[1]!, noise: c[2]! }]));
    return { events, context, noise, byName, eventsAtEnd: this.eventsAtEnd };
  }
}
