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
  /** Lines skipped as invalid (`--skip-invalid`), 1-based. */
  readonly skipped: number[];
  /** Lines of gap markers (`CPU:N [LOST K EVENTS]`, `##### CPU N buffer started ####`). */
  readonly gaps: number[];
  /** Warnings in line order (the first WARNINGS_KEPT; `warningCounts` has them all). */
  readonly warnings: ImportWarning[];
  readonly warningCounts: Record<string, number>;
  /** Events whose bytenr stayed unbound (never guessed, DOMAIN.md §6.3 rule 4). */
  readonly unbound: number;
}

export const WARNINGS_KEPT = 10_000;

export class ReportBuilder {
  format = "";
  lines = 0;
  events = 0;
  private readonly unmappedCounts = new Map<string, { n: number }>();
  readonly skipped: number[] = [];
  readonly gaps: number[] = [];
  readonly warnings: ImportWarning[] = [];
  private readonly counts = new Map<string, number>();
  private unboundCount = 0;

  unmapped(name: string): void {
    const c = this.unmappedCounts.get(name);
    if (c) c.n++;
    else this.unmappedCounts.set(name, { n: 1 });
  }

  warn(code: string, line: number): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    if (this.warnings.length < WARNINGS_KEPT) this.warnings.push({ code, line });
  }

  gap(line: number): void {
    this.gaps.push(line);
  }

  skip(line: number): void {
    this.skipped.push(line);
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
      gaps: [...this.gaps],
      warnings: [...this.warnings].sort((a, b) => a.line - b.line),
      warningCounts: Object.fromEntries(this.counts),
      unbound: this.unboundCount,
    };
  }
}
