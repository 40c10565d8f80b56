/**
 * What a tokenizer makes of one line: a flat record, no interpretation yet.
 * Each tokenizer (flat, graph, trace-cmd, jsonl) turns a line into one of
 * these or throws `LineError`; the mapper (`binder.ts`) never sees text
 * formats.
 */
import type { RaceEvent } from "../events/types.ts";

/** A task as a line prints it: `comm-pid`. `comm` null when printed as `<...>` or absent. */
export interface TaskRef {
  readonly comm: string | null;
  readonly pid: number;
}

/**
 * The actor key of a task that has no pid of its own on one CPU (DOMAIN.md
 * §6.1): a function_graph CPU that never shows a context-switch block, and
 * the CPU's idle task (every CPU's idle task prints pid 0). Negative, so it
 * never meets a real pid; `cpu` null (no CPU column) counts as CPU 0.
 */
export function perCpuPid(cpu: number | null): number {
  return -(1 + (cpu ?? 0));
}

/** The pid a line's task is keyed by: its own, except pid 0, which is a different idle task on each CPU. */
export function actorPid(pid: number, cpu: number | null): number {
  return pid === 0 ? perCpuPid(cpu) : pid;
}

/** Fields every task line carries. `task` null: graph line without TASK/PID column (task comes from its CPU). */
interface Located {
  readonly task: TaskRef | null;
  readonly cpu: number | null;
  readonly ts: bigint | null;
}

/**
 * The names the import report's line buckets give lines that name no
 * function or tracepoint (docs/kernel-engineers.md, "Where every line went").
 * Kept whatever else the report holds: the list is fixed.
 */
export const LINE_NAMES = {
  /** An empty line (or spaces only). */
  blank: "(blank)",
  /** `#` comment lines, trace-cmd's `cpus=N`, `version = N`, `CPU N is empty`. */
  header: "(header)",
  /** `<stack trace>` and its ` => func` frames (func_stack_trace). */
  stackTrace: "(stack trace)",
  /** function_graph irq entry/exit markers `==========>`, `<==========`. */
  irqMarker: "(irq marker)",
  /** function_graph context-switch block: ` N) a-1 => b-2` and its two ` ------` rules. */
  contextSwitch: "(context switch)",
  /** `CPU:N [LOST K EVENTS]`, `##### CPU N buffer started ####`. */
  gap: "(gap marker)",
  /** A function_graph exit that prints no name: a bare `}`. */
  exit: "(exit)",
  /** trace_printk / trace_marker text that is no `bgr:` annotation and no `name: text` tracepoint. */
  print: "(trace_printk)",
  /** A racelab JSON line (one event). */
  jsonEvent: "(json event)",
  /** A line skipped as invalid (`--skip-invalid`), too long ones included. */
  skipped: "(skipped)",
} as const;

export type SkipName = (typeof LINE_NAMES)["blank" | "header" | "stackTrace" | "irqMarker" | "contextSwitch"];

export type LineRecord =
  /** Blank line, header comment, `CPU N is empty`, `cpus=N`, stack-trace frame, irq marker; `name` says which (LINE_NAMES). */
  | { readonly kind: "skip"; readonly name: SkipName }
  /** `CPU:N [LOST K EVENTS]` or `##### CPU N buffer started ####`. */
  | { readonly kind: "gap"; readonly cpu: number | null; readonly lost: number | null }
  /** function_graph context switch ` N)  comm-pid => comm-pid`. */
  | { readonly kind: "switch"; readonly cpu: number; readonly from: TaskRef; readonly to: TaskRef }
  /** Flat function line `func <-parent` (entry only). Names normalised. */
  | (Located & { readonly kind: "call"; readonly name: string; readonly parent: string | null })
  /** Graph entry `func() {` or leaf `func();` at `depth`. */
  | (Located & { readonly kind: "entry"; readonly name: string; readonly depth: number; readonly leaf: boolean })
  /** Graph exit `}` or `} /* func *\/` at `depth`. */
  | (Located & { readonly kind: "exit"; readonly name: string | null; readonly depth: number })
  /** Tracepoint `name: fields`. */
  | (Located & { readonly kind: "tracepoint"; readonly name: string; readonly body: string })
  /** trace_printk / trace_marker text; annotations start with `bgr:`. */
  | (Located & { readonly kind: "print"; readonly caller: string | null; readonly text: string })
  /** racelab JSON line: an already-made event. */
  | { readonly kind: "event"; readonly event: RaceEvent }
  /** A task line of a tracepoint the mapping table maps to nothing (or lists as noise): read no further than its name. */
  | { readonly kind: "quiet"; readonly name: string };

export type TaskLine = Extract<LineRecord, { task: TaskRef | null }>;

/** A line that cannot be read. The message says what is wrong; the caller adds file:line and the text. */
export class LineError extends Error {}
