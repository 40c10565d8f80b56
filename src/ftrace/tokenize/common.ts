/**
 * Lines every text format shares (DOMAIN.md §6.1): blank lines, `#` header
 * comments, `CPU N is empty`, `cpus=N` (skipped) and the two gap markers
 * (kept: a gap can hide a race). Pure.
 */
import type { LineRecord, SkipName, TaskRef } from "../records.ts";
import { LINE_NAMES, LineError } from "../records.ts";
import { REPLACEMENT } from "../text.ts";

// `CPU:1 [LOST 1234 EVENTS]`
const LOST_EVENTS = /^\s*CPU:(\d+) \[LOST (\d+) EVENTS\]\s*$/;
// `##### CPU 2 buffer started ####`
const BUFFER_STARTED = /^#+ CPU (\d+) buffer started #+\s*$/;
// `CPU 0 is empty` (trace-cmd report, per-CPU files)
const CPU_EMPTY = /^\s*CPU \d+ is empty\s*$/;
// `cpus=2` (trace-cmd report first line)
const CPUS = /^\s*cpus=\d+\s*$/;

/** The skip record of each kind of skipped line (one object each: no allocation per line). */
export const SKIP = {
  blank: skip(LINE_NAMES.blank),
  header: skip(LINE_NAMES.header),
  stackTrace: skip(LINE_NAMES.stackTrace),
  irqMarker: skip(LINE_NAMES.irqMarker),
  contextSwitch: skip(LINE_NAMES.contextSwitch),
} as const;

function skip(name: SkipName): LineRecord {
  return { kind: "skip", name };
}

/** The shared record of a line, or null if the line belongs to the format's own tokenizer. */
export function commonLine(text: string): LineRecord | null {
  const first = firstNonSpace(text);
  if (first === "") return SKIP.blank;
  if (first === "#") {
    const m = BUFFER_STARTED.exec(text);
    return m ? { kind: "gap", cpu: Number(m[1]), lost: null } : SKIP.header;
  }
  if (first === "C") {
    const m = LOST_EVENTS.exec(text);
    if (m) return { kind: "gap", cpu: Number(m[1]), lost: safeInt(m[2]!) };
    if (CPU_EMPTY.test(text)) return SKIP.header;
  }
  if (first === "c" && CPUS.test(text)) return SKIP.header;
  return null;
}

export function firstNonSpace(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return text[i]!;
  }
  return "";
}

function safeInt(s: string): number | null {
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * A task as printed `comm-pid`; `<...>` (comm not recorded) gives comm null.
 * Bytes that were not UTF-8 in a comm stay as U+FFFD (DOMAIN: a task name
 * may be anything the kernel was given).
 */
export function taskRef(comm: string, pid: string): TaskRef {
  const c = comm.trim();
  const n = Number(pid);
  if (!Number.isSafeInteger(n) || n > 2 ** 31 - 1) throw new LineError(`pid ${pid} out of range`);
  return { comm: c === "<...>" || c === "" ? null : c, pid: n };
}

/** Rejects a line whose non-UTF-8 bytes (U+FFFD after decoding) lie outside its task name. */
export function checkUtf8Outside(...parts: readonly (string | undefined)[]): void {
  for (const p of parts) {
    if (p !== undefined && p.includes(REPLACEMENT)) throw new LineError("bytes that are not UTF-8 outside the task name");
  }
}
