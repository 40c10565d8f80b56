/**
 * Tokenizer of the `function_graph` tracer output (DOMAIN.md §6.1), pure.
 *
 * Columns are those the header announces, in this order: TIME
 * (`funcgraph-abstime`), REL TIME, CPU, TASK/PID (`funcgraph-proc`), the
 * latency flags (`latency-format`), DURATION, FUNCTION CALLS. Only the
 * announced leading columns are split off, each at its own `|`; CALLS is
 * everything after and is never split (tracepoint text holds `|`:
 * `flags=20(METADATA|RAID1)`). `trace_pipe` has no header: the layout is
 * then inferred from the first graph line.
 */
import type { LineRecord, TaskRef } from "../records.ts";
import { LineError } from "../records.ts";
import { normalizeName, parseTimestampNs, REPLACEMENT } from "../text.ts";
import { checkUtf8Outside, commonLine, SKIP, taskRef } from "./common.ts";

export interface GraphLayout {
  readonly abstime: boolean;
  readonly reltime: boolean;
  readonly cpu: boolean;
  readonly proc: boolean;
  readonly lat: boolean;
  readonly duration: boolean;
}

export const DEFAULT_GRAPH_LAYOUT: GraphLayout = { abstime: false, reltime: false, cpu: true, proc: false, lat: false, duration: true };

/**
 * The layout a graph header announces, from its column line, e.g.
 * `# CPU  DURATION                  FUNCTION CALLS` or
 * `#     TIME        CPU  TASK/PID         DURATION                  FUNCTION CALLS`.
 */
export function layoutFromHeader(columns: string): GraphLayout {
  return {
    abstime: /(?<!REL )\bTIME\b/.test(columns),
    reltime: /\bREL TIME\b/.test(columns),
    cpu: /\bCPU\b/.test(columns),
    proc: /\bTASK\/PID\b/.test(columns),
    lat: /\|\|\|\|/.test(columns),
    duration: /\bDURATION\b/.test(columns),
  };
}

/** True if a header comment line is the graph column header. */
export function isGraphColumnHeader(text: string): boolean {
  return text.startsWith("#") && /FUNCTION CALLS/.test(text);
}

// One fragment per column, each consuming its column up to and including its separator.
// TIME / REL TIME:  `  281.693063 |`
const TIME_COL = String.raw`\s*(\d+\.\d+) \|`;
// CPU:              ` 0)`  (wider with many CPUs: `  12)`)
const CPU_COL = String.raw`\s*(\d+)\)`;
// TASK/PID:         `  btrfs-c-331   |`  (comm truncated to 7 chars; may hold `-`)
const PROC_COL = String.raw`\s*([^|]*?)-(\d+)\s*\|`;
// latency flags:    ` d..1. |`
const LAT_COL = String.raw`\s*\S{1,6}\s*\|`;
// DURATION:         `               |`, ` + 58.669 us   |`, ` @ 878820.7 us |`  (marker: + ! # * @ $)
const DURATION_COL = String.raw`\s*(?:[+!#*@$]\s+)?(?:\d+(?:\.\d+)? us\s*)?\|`;

interface CompiledLayout {
  readonly layout: GraphLayout;
  readonly re: RegExp;
  /** Group indexes; -1 when absent. */
  readonly gTime: number;
  readonly gCpu: number;
  readonly gComm: number;
  readonly gPid: number;
  /** Spaces the format puts after the last column separator at depth 0. */
  readonly base: number;
}

function compile(layout: GraphLayout): CompiledLayout {
  let src = "^";
  let g = 0;
  let gTime = -1;
  let gCpu = -1;
  let gComm = -1;
  let gPid = -1;
  if (layout.abstime) {
    src += TIME_COL;
    gTime = ++g;
  }
  if (layout.reltime) {
    src += TIME_COL;
    ++g;
  }
  if (layout.cpu) {
    src += CPU_COL;
    gCpu = ++g;
  }
  if (layout.proc) {
    src += PROC_COL;
    gComm = ++g;
    gPid = ++g;
  }
  if (layout.lat) src += LAT_COL;
  if (layout.duration) src += DURATION_COL;
  // CALLS starts where the match ends (not captured: no copy of the rest of the line).
  // Kernel: `|  ` after DURATION, else one space after `)` or ` | `.
  const base = layout.duration ? 2 : 1;
  return { layout, re: new RegExp(src), gTime, gCpu, gComm, gPid, base };
}

// The CALLS column (NAME normalised; ` [module]` and a `(args)` list tolerated):
// entry:   `btrfs_relocate_chunk [btrfs]() {`   (6.14+ funcgraph-args: `do_trimming(block_group=…) {`)
const ENTRY = /^([^\s(]+)(?: \[[\w-]+\])?\(.*\) \{$/;
// leaf:    `btrfs_create_pending_block_groups [btrfs]();`   (funcgraph-retval: `foo(); /* = 0x0 */`)
const LEAF = /^([^\s(]+)(?: \[[\w-]+\])?\(.*\);(?: \/\*.*\*\/)?$/;
// ` [btrfs]` after a function name
const MODULE_SUFFIX = /^ \[[\w-]+\]$/;
// exit:    `}`, `} /* btrfs_relocate_chunk [btrfs] */`, funcgraph-retval: `} /* btrfs_remove_chunk [btrfs] = 0x0 */`
const EXIT = /^\}(?: \/\* ([^\s(]+)(?: \[[\w-]+\])?(?:\(\))?(?: = \S+)? \*\/)?$/;
// comment: `/* btrfs_chunk_free: 8f11b857-…: root=3(CHUNK_TREE) offset=13631488 … */`, `/* bgr: args bytenr=… */`
//          i.e. /^\/\* (.*) \*\/$/, checked with startsWith/endsWith in calls() (most lines of a traced log).
// tracepoint inside a comment: `btrfs_chunk_free: 8f11b857-…: root=3(CHUNK_TREE) …`
const COMMENT_TRACEPOINT = /^([^\s:]+): (.*)$/;

// context switch: ` 0)     dd-355     =>     dd-356    `  (between two ` ------…` lines)
const SWITCH = /^(?:\s*\d+\.\d+ \|)?\s*(\d+)\)\s+(.*?)-(\d+)\s+=>\s+(.*?)-(\d+)\s*$/;
// ` ------------------------------------------`
const SWITCH_RULE = /^\s*-{10,}\s*$/;
// irq entry/exit markers (`funcgraph-irqs`): ` 0)   ==========> |`, ` 0)   <========== |`
const IRQ_MARK = /==========>|<==========/;

export class GraphTokenizer {
  private compiled: CompiledLayout | null;

  /** `layout` null: infer it from the first graph line (trace_pipe). */
  constructor(layout: GraphLayout | null) {
    this.compiled = layout ? compile(layout) : null;
  }

  get layout(): GraphLayout | null {
    return this.compiled?.layout ?? null;
  }

  tokenize(text: string): LineRecord {
    const c = this.compiled;
    if (c) {
      const m = c.re.exec(text);
      if (m) return this.graphLine(text, c, m);
    }
    // Lines that are not of the column layout: rare, so tried second.
    const common = commonLine(text);
    if (common) return common;
    if (SWITCH_RULE.test(text)) return SKIP.contextSwitch;
    const sw = SWITCH.exec(text);
    if (sw) return { kind: "switch", cpu: Number(sw[1]), from: taskRef(sw[2]!, sw[3]!), to: taskRef(sw[4]!, sw[5]!) };
    if (IRQ_MARK.test(text)) return SKIP.irqMarker;
    if (!c) {
      const inferred = this.infer(text);
      return this.graphLine(text, inferred, inferred.re.exec(text)!);
    }
    checkUtf8Outside(text);
    throw new LineError("not a function_graph line for the announced columns");
  }

  private graphLine(text: string, c: CompiledLayout, m: RegExpExecArray): LineRecord {
    let task: TaskRef | null = null;
    if (c.gPid > 0) task = taskRef(m[c.gComm]!, m[c.gPid]!);
    const cpu = c.gCpu > 0 ? Number(m[c.gCpu]) : null;
    let ts: bigint | null = null;
    if (c.gTime > 0) {
      ts = parseTimestampNs(m[c.gTime]!);
      if (ts === null) throw new LineError(`bad timestamp ${m[c.gTime]}`);
    }
    return calls(text, m[0].length, c.base, task, cpu, ts);
  }

  /** trace_pipe: the first layout (most common first) under which the line reads as a graph line. */
  private infer(text: string): CompiledLayout {
    for (const layout of CANDIDATES) {
      const c = compile(layout);
      const m = c.re.exec(text);
      if (!m) continue;
      try {
        calls(text, m[0].length, c.base, null, null, null);
      } catch {
        continue;
      }
      this.compiled = c;
      return c;
    }
    throw new LineError("not a function_graph line");
  }
}

const CANDIDATES: readonly GraphLayout[] = (() => {
  const out: GraphLayout[] = [];
  for (const abstime of [false, true])
    for (const proc of [false, true])
      for (const duration of [true, false]) out.push({ abstime, reltime: false, cpu: true, proc, lat: false, duration });
  return out;
})();

function calls(text: string, start: number, base: number, task: TaskRef | null, cpu: number | null, ts: bigint | null): LineRecord {
  let i = start;
  while (i < text.length && text.charCodeAt(i) === 32) i++;
  const depth = Math.max(0, (i - start - base) >> 1);
  let body = text.slice(i);
  const lastCode = body.charCodeAt(body.length - 1);
  if (lastCode === 32 || lastCode === 9) body = body.trimEnd();
  if (text.includes(REPLACEMENT)) checkUtf8Outside(body);
  const first = body.charCodeAt(0);
  if (first === 0x7d /* } */) {
    if (body.length === 1) return { kind: "exit", task, cpu, ts, name: null, depth };
    const m = EXIT.exec(body);
    if (!m) throw new LineError("malformed function exit");
    return { kind: "exit", task, cpu, ts, name: m[1] === undefined ? null : normalizeName(m[1]), depth };
  }
  if (first === 0x2f /* / */ && body.startsWith("/*")) {
    if (!body.endsWith("*/")) throw new LineError("unterminated comment");
    // The comment grammar by hand; COMMENT_TRACEPOINT by hand in the common `name: text` case.
    const msg = body.startsWith("/* ") && body.endsWith(" */") ? body.slice(3, -3) : body.slice(2, -2).trim();
    if (msg.startsWith("bgr:")) return { kind: "print", task, cpu, ts, caller: null, text: msg };
    const colon = msg.indexOf(": ");
    if (colon > 0 && !hasSpace(msg, colon))
      return { kind: "tracepoint", task, cpu, ts, name: msg.slice(0, colon), body: msg.slice(colon + 2) };
    const tp = COMMENT_TRACEPOINT.exec(msg);
    if (tp) return { kind: "tracepoint", task, cpu, ts, name: tp[1]!, body: tp[2]! };
    return { kind: "print", task, cpu, ts, caller: null, text: msg };
  }
  // ENTRY and LEAF by hand in the common case (this is the hot path of a graph log); LEAF with a retval comment by regex.
  const paren = body.indexOf("(");
  if (paren > 0) {
    const leaf = body.endsWith(");");
    if (leaf || body.endsWith(") {")) {
      let name = body.slice(0, paren);
      const sp = name.indexOf(" ");
      if (sp >= 0) {
        if (!MODULE_SUFFIX.test(name.slice(sp))) throw new LineError("malformed function name");
        name = name.slice(0, sp);
      }
      return { kind: "entry", task, cpu, ts, name: normalizeName(name), depth, leaf };
    }
    const m = LEAF.exec(body) ?? ENTRY.exec(body);
    if (m) return { kind: "entry", task, cpu, ts, name: normalizeName(m[1]!), depth, leaf: m[0].endsWith("*/") };
  }
  throw new LineError("FUNCTION CALLS is neither `func() {`, `func();`, `}` nor `/* … */`");
}

/** True if `s` has a space, tab or colon before `end` (a tracepoint name has none). */
function hasSpace(s: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 58) return true;
  }
  return false;
}
