/**
 * Tokenizer of the flat ftrace formats (DOMAIN.md §6.1): the `trace` file of
 * the `function` and `nop` tracers, with or without the irq-info flag
 * columns (4 flags in 4.x, 5 in 5.x+), with or without the `(TGID)` column,
 * and `trace_pipe` output (same lines, no header). Pure: one line in, one
 * record out.
 */
import type { LineRecord, TaskRef } from "../records.ts";
import { LineError } from "../records.ts";
import { isTimestamp, normalizeName, parseTimestampNs } from "../text.ts";
import { checkUtf8Outside, commonLine, SKIP, taskRef } from "./common.ts";

/** The columns before the body, shared with trace-cmd report. */
export interface FlatPrefix {
  readonly task: TaskRef;
  readonly cpu: number;
  readonly ts: bigint;
  readonly body: string;
}

// 5.x+, 5 flag chars:   `              dd-1639    [000] ...1.   281.693063: btrfs_space_reservation: ee24…: space_info: 4 reserve 1310720`
// 4.x, 4 flag chars:    `           btrfs-2001  [000] ....   100.000100: btrfs_relocate_chunk.isra.29 <-btrfs_balance`
// record-tgid:          `            bash-1977  ( 1977) [000] d..1 17284.993652: sys_close <-system_call_fastpath`
// irq-info off:         `    kworker/u4:7-806     [001]   281.851553: btrfs_chunk_alloc <-flush_space`
// The comm may hold `-`, `/`, `:` and spaces: the pid is the digits after the last `-` before `[`.
const FLAT_LINE = /^\s*(.*?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:\S{4,5}\s+)?(\d+(?:\.\d+)?):\s?(.*)$/;

export function parseFlatPrefix(text: string): FlatPrefix | null {
  const m = FLAT_LINE.exec(text);
  return m ? prefixOf(m) : null;
}

function prefixOf(m: RegExpExecArray): FlatPrefix {
  const ts = parseTimestampNs(m[4]!);
  if (ts === null) throw new LineError(`bad timestamp ${m[4]}`);
  checkUtf8Outside(m[5]);
  return { task: taskRef(m[1]!, m[2]!), cpu: Number(m[3]), ts, body: m[5]! };
}

// function tracer:       `btrfs_relocate_chunk <-btrfs_balance`
// with module or offset: `btrfs_remove_chunk+0x0/0x7a0 [btrfs] <-btrfs_relocate_chunk+0x9c/0x1a0 [btrfs]`
const FLAT_CALL = /^(\S+)(?: \[[\w-]+\])? <-(\S+)(?: \[[\w-]+\])?$/;
// tracepoint:            `btrfs_chunk_free: ee24aaec-…: root=3(CHUNK_TREE) offset=13631488 size=8388608 …`
// trace_printk / marker: `btrfs_relocate_chunk: bgr: args bytenr=13631488`, `tracing_mark_write: bgr: eb_write …`
const FLAT_NAMED = /^([^\s:]+):(?:\s+(.*))?$/;
// func_stack_trace option: `<stack trace>` then ` => func` lines
const STACK_HEADER = /^<(?:user )?stack trace>$/;
const STACK_FRAME = /^\s*=> /;

/** Which tracepoints map to nothing: their lines need not be taken apart. */
export type QuietTracepoint = (name: string) => boolean;

const NONE_QUIET: QuietTracepoint = () => false;
const PID_MAX = 2 ** 31 - 1;

/**
 * One flat line. A tracepoint `quiet` names (most lines of a real log:
 * `btrfs_space_reservation`) is read no further than its name once its
 * columns are checked (a malformed line is refused all the same).
 */
export function tokenizeFlat(text: string, quiet: QuietTracepoint = NONE_QUIET): LineRecord {
  const common = commonLine(text);
  if (common) return common;
  if (STACK_FRAME.test(text)) return SKIP.stackTrace;
  const m = FLAT_LINE.exec(text);
  if (!m) {
    checkUtf8Outside(text);
    throw new LineError("not an ftrace line (expected `task-pid [cpu] flags timestamp: …`)");
  }
  const name = quietName(m[5]!, quiet);
  // What the full path would refuse (a bad timestamp, a pid out of range) takes it, to be refused there.
  if (name !== null && isTimestamp(m[4]!) && Number(m[2]) <= PID_MAX) {
    checkUtf8Outside(m[5]);
    return { kind: "quiet", name };
  }
  return flatBody(prefixOf(m));
}

/** The name of a tracepoint body `name: text` (as FLAT_NAMED reads it, no `bgr:` annotation) that `quiet` names; else null. */
function quietName(body: string, quiet: QuietTracepoint): string | null {
  const colon = body.indexOf(":");
  if (colon <= 0 || body.includes(" <-")) return null;
  const name = body.slice(0, colon);
  if (!quiet(name) || /\s/.test(name)) return null;
  if (colon + 1 === body.length) return name;
  // After `name:` and its spaces, not a `bgr:` annotation (read without cutting the body: most lines come here).
  let at = colon + 1;
  if (!SPACE.test(body[at]!)) return null;
  while (at < body.length && SPACE.test(body[at]!)) at++;
  return body.startsWith("bgr:", at) ? null : name;
}

const SPACE = /\s/;

/** The record of a flat body (`func <-parent`, `name: text`). */
export function flatBody(p: FlatPrefix): LineRecord {
  const { task, cpu, ts, body } = p;
  // Only a body with ` <-` can be a call: tracepoint bodies skip that regex.
  const call = body.includes(" <-") ? FLAT_CALL.exec(body) : null;
  if (call) return { kind: "call", task, cpu, ts, name: normalizeName(call[1]!), parent: normalizeName(call[2]!) };
  const named = FLAT_NAMED.exec(body);
  if (named) {
    const text = named[2] ?? "";
    if (text.startsWith("bgr:")) return { kind: "print", task, cpu, ts, caller: normalizeName(named[1]!), text };
    return { kind: "tracepoint", task, cpu, ts, name: named[1]!, body: text };
  }
  if (STACK_HEADER.test(body)) return SKIP.stackTrace;
  throw new LineError("body is neither `func <-parent` nor `name: fields`");
}
