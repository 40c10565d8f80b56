/**
 * The import report: what the importer made of a trace, including what it
 * could not map (counted by name, never silently dropped), lines skipped
 * with --skip-invalid, gap markers and warnings.
 */

export interface ImportWarning {
  readonly code: string;
  readonly line: number;
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
}

export const WARNINGS_KEPT = 10_000;
/** Line numbers kept per list: a report stays small whatever a log holds. */
export const LINES_KEPT = 10_000;
/** Distinct unmapped names counted one by one; the rest together. */
export const NAMES_KEPT = 10_000;
export const OTHER_NAMES = "(other names)";

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

  unmapped(name: string): void {
    const key = this.unmappedCounts.has(name) || this.unmappedCounts.size < NAMES_KEPT ? name : OTHER_NAMES;
    const c = this.unmappedCounts.get(key);
    if (c) c.n++;
    else this.unmappedCounts.set(key, { n: 1 });
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
    const unmapped: Record<string, number> = {};
    for (const [k, v] of [...this.unmappedCounts].sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1))) unmapped[k] = v.n;
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
    };
  }
}
