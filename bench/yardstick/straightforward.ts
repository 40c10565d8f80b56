/**
 * The harder second bar of bench/real-logs.ts (issue 12 item 5). The issue's
 * yardstick is bench/yardstick/straightforward.py, "a straightforward
 * single-process replay written in Python"; this is the same plain parse
 * written in TypeScript, run in the bench's own process (no start-up, the JIT
 * warm), that replays with racelab's own pure replay engine
 * (src/replay/check.ts) instead of a replay of its own — racelab's job
 * without the database and the CLI. The bench prints the ratio against it
 * beside the one the target is judged on.
 *
 * It reads each file whole, splits it into lines, one plain regex per line,
 * maps function and tracepoint names to events with the mapping table
 * seeds/ftrace-map.json (read as plain JSON), binds events to block groups the
 * simple way, and replays each log under `unpatched` and `patched`. No
 * database, no worker threads, no caching, nothing streamed: every file is a
 * string, its events an array.
 *
 * The parse is its own plain code, not racelab's importer (src/ftrace); the
 * Python yardstick's parse is a port of it. It
 * reads what the real 6.1 logs of ../shared/traces hold: the `nop` and
 * `function` tracers' `trace` file and `function_graph` with its default
 * columns (CPU, DURATION; no TASK/PID, no abstime), gap markers, and the
 * binding of DOMAIN.md §6.2–§6.3 (roles, chains whose subject a later line may
 * name, the merge of a function line with the tracepoint of the same name,
 * graph frames and their exits, ends of trims and discards, `bgr:`
 * annotations). It leaves out what those logs do not need: trace-cmd and
 * JSON-lines input, other graph columns, `sym-offset` names, traces of several
 * filesystems, gzip. A line it cannot read is counted (`invalid`), not fatal.
 *
 *   npx tsx bench/yardstick/straightforward.ts FILE...   (prints each file's verdicts and the time)
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ChainKind, EventType, RaceEvent } from "../../src/events/types.ts";
import { EMPTY_DATA } from "../../src/ftrace/event-data.ts";
import { type CheckReportX, checkTrace, prepareTrace } from "../../src/replay/check.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DEFAULT_MAP = path.join(ROOT, "seeds/ftrace-map.json");
export const RULE_SETS = ["unpatched", "patched"] as const;

// --- the domain's tables, written out (DOMAIN.md §3, §6.3) ------------------------------

const STEPS: Record<ChainKind, readonly string[]> = {
  relocation: ["relocate_chunk", "relocate_bg", "set_ro", "remove_chunk", "chunk_free", "remove_block_group"],
  deletion: ["unused_bg_check", "set_ro", "remove_chunk", "chunk_free", "remove_block_group"],
  trim: ["trim_bg", "discard_start", "discard_end", "trim_bg_end"],
  scrub: ["scrub_dev_extent", "set_ro", "scrub_chunk", "clear_ro"],
  creation: ["chunk_alloc", "bg_create"],
};
const REPEATABLE = new Set(["discard_start", "discard_end"]);
const KINDS = Object.keys(STEPS) as ChainKind[];

/** Every argument of each event, unknown: the event model's empty payloads (not parsing, which is this file's own). */
const EMPTY: Record<string, Record<string, unknown>> = EMPTY_DATA;
const SMALL_INTS = new Set(["devid", "gen", "cpu", "lost"]);
const FLAG_KEYS = new Set(["flags", "type"]);
const FLAG_BITS: Record<string, number> = {
  DATA: 1, SYSTEM: 2, METADATA: 4, RAID0: 8, RAID1: 16, DUP: 32, RAID10: 64, RAID5: 128, RAID6: 256, RAID1C3: 512, RAID1C4: 1024,
};

// --- the mapping table, read as data ---------------------------------------------------------

interface FnRule {
  event?: string;
  data?: Record<string, unknown>;
  end?: "trim" | "discard";
  parents?: string[];
  role?: string;
  noise?: true;
  exit?: { closeChain?: ChainKind; end?: "trim" | "discard"; event?: string };
}
interface TpRule {
  event?: string;
  noise?: true;
  fields?: Record<string, string>;
  optional?: string[];
  when?: Record<string, string>;
  within?: ChainKind;
  data?: Record<string, unknown>;
  subject?: true;
  merge?: true;
}
export interface MapTable {
  functions: Map<string, FnRule>;
  tracepoints: Map<string, TpRule>;
  /** Event types a tracepoint merges into (their function events wait for it). */
  mergeable: Set<string>;
}

export function loadMap(file = DEFAULT_MAP): MapTable {
  const json = JSON.parse(readFileSync(file, "utf8")) as { functions: (FnRule & { names: string[] })[]; tracepoints: (TpRule & { names: string[] })[] };
  const functions = new Map<string, FnRule>();
  const tracepoints = new Map<string, TpRule>();
  const mergeable = new Set<string>();
  for (const f of json.functions) for (const n of f.names) functions.set(n, f);
  for (const t of json.tracepoints) {
    for (const n of t.names) tracepoints.set(n, t);
    if (t.merge && t.event) mergeable.add(t.event);
  }
  return { functions, tracepoints, mergeable };
}

// --- lines ------------------------------------------------------------------------------------

// `              dd-1639    [000] ...1.   281.693063: btrfs_space_reservation: ee24…: space_info: 4 reserve 1310720`
// `           btrfs-1648    [001] .....   283.140178: btrfs_relocate_chunk <-btrfs_balance`
//   1 comm, 2 pid, 3 cpu, 4 timestamp, then 5 function 6 parent, or 7 tracepoint 8 its text
const FLAT = /^\s*(.*?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:\S{4,5}\s+)?(\d+\.\d+): (?:(\S+) <-(\S+)|([^\s:]+):\s?(.*))$/;
// ` 1)               |      /* btrfs_chunk_free: 8f11…: root=3(CHUNK_TREE) offset=13631488 … */`
// ` 0)               |  btrfs_relocate_chunk [btrfs]() {`   ` 1) + 58.669 us   |    btrfs_create_pending_block_groups [btrfs]();`
// ` 1) * 34570.26 us |    } /* btrfs_relocate_block_group [btrfs] */`   ` 0) ! 556.736 us  |  }`
//   1 cpu, 2 indent, then 3 tracepoint 4 its text, or 5 entry, or 6 leaf, or (7 name of) an exit
const GRAPH =
  /^\s*(\d+)\)[^|]*\|( *)(?:\/\* ([^\s:]+):\s?(.*) \*\/|([\w.]+)(?: \[\w+\])?\(\) \{|([\w.]+)(?: \[\w+\])?\(\);|\}(?: \/\* ([\w.]+)(?: \[\w+\])? \*\/)?)\s*$/;
// ` 0)     dd-336     =>     dd-337    `
const SWITCH = /^\s*(\d+)\)\s+(.*?)-(\d+)\s+=>\s+(.*?)-(\d+)\s*$/;
const GAP = /^\s*(?:CPU:(\d+) \[LOST (\d+) EVENTS\]|#+ CPU (\d+) buffer started #+)\s*$/;
const FSID = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}):\s*/;
const PAIR = /([A-Za-z_]\w*)\s?=\s?([^\s,]*)/g;
const CLONE = /(?:\.(?:isra|constprop|part|lto_priv|llvm)\.\d+|\.cold(?:\.\d+)?)+$/;

// `bgr: args bytenr=29360128 len=1048576`, `bgr: unused_bg_check bytenr=… skip=1`
const ANNOTATION = /^bgr:\s*(\w+)\s*(.*)$/;
const ANNOTATION_EVENTS = new Set(["unused_bg_check", "eb_write", "scrub_dev_extent", "discard_end", "trim_bg_end"]);

interface Args {
  bytenr: bigint | null;
  len: bigint | null;
  devid: number | null;
  physical: bigint | null;
  stripes: { devid: number; physical: bigint }[] | null;
  used: bigint | null;
  skip: boolean;
}

/** The `key=value` words of an annotation (`logical` is another name of bytenr). */
function readArgs(text: string): Args {
  const a: Args = { bytenr: null, len: null, devid: null, physical: null, stripes: null, used: null, skip: false };
  for (const word of text.split(/\s+/)) {
    const eq = word.indexOf("=");
    if (eq < 0) continue;
    const k = word.slice(0, eq);
    const v = word.slice(eq + 1);
    if (k === "bytenr" || k === "logical") a.bytenr = BigInt(v);
    else if (k === "len" || k === "physical" || k === "used") a[k] = BigInt(v);
    else if (k === "devid") a.devid = Number(v);
    else if (k === "skip") a.skip = v === "1";
    else if (k === "stripes") a.stripes = v.split(",").map((p) => ({ devid: Number(p.split(":")[0]), physical: BigInt(p.split(":")[1]!) }));
  }
  return a;
}

/** Fills the event's still unknown arguments from an annotation's. */
function fillArgs(data: Record<string, unknown>, a: Args, withBytenr: boolean): void {
  for (const k of ["bytenr", "len", "devid", "physical", "stripes", "used"] as const) {
    if ((k !== "bytenr" || withBytenr) && a[k] !== null && k in data && data[k] === null) data[k] = a[k];
  }
}

const normalize = (name: string) => (name.includes(".") ? name.replace(CLONE, "") : name);

/** `30408704`, `3(CHUNK_TREE)`, `0x1d00000` → the number; `METADATA|DUP` for flags; null if none. */
function readValue(key: string, raw: string): unknown {
  const m = /^(0x[0-9a-fA-F]+|\d+)/.exec(raw);
  if (m) return SMALL_INTS.has(key) || FLAG_KEYS.has(key) ? Number(m[1]) : BigInt(m[1]!);
  if (!FLAG_KEYS.has(key) || raw === "") return null;
  let bits = 0;
  for (const n of raw.split("|")) {
    if (FLAG_BITS[n] === undefined) return null;
    bits |= FLAG_BITS[n];
  }
  return bits;
}

// --- binding ------------------------------------------------------------------------------------

interface Chain {
  id: number;
  kind: ChainKind;
  current: string;
  subject: bigint | null;
  closed: boolean;
  owner: Task;
}
interface Ev {
  type: string;
  data: Record<string, unknown>;
  line: number;
  lineSeq: number;
  task: Task;
  cpu: number | null;
  ts: bigint | null;
  chain: Chain | null;
  fromFunction: boolean;
  /** A tracepoint of the same name may still merge into it. */
  mergeOpen: boolean;
}
interface Frame {
  name: string;
  rule: FnRule | undefined;
}
interface Task {
  pid: number;
  comm: string | null;
  roles: Set<string>;
  role: string | null;
  open: Map<ChainKind, Chain>;
  frames: (Frame | undefined)[];
  last: Ev | null;
  discard: "none" | "open" | "ended";
  /** A `bgr: args` annotation waiting for the task's next mapped line. */
  args: Args | null;
}

export interface FileResult {
  readonly file: string;
  readonly tracer: string;
  readonly lines: number;
  readonly events: number;
  readonly unbound: number;
  /** Lines it could not read (racelab would refuse the file). */
  readonly invalid: number;
  readonly orphanExits: number;
  readonly reports: Record<(typeof RULE_SETS)[number], CheckReportX>;
}

/** One log's events: parse and bind. */
export function parseLog(file: string, map: MapTable): { events: RaceEvent[]; tracer: string; lines: number; unbound: number; invalid: number; orphanExits: number } {
  const lines = readFileSync(file, "utf8").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const tracer = lines.find((l) => l.startsWith("# tracer:"))?.slice(9).trim() ?? "nop";
  const graph = tracer === "function_graph";

  const evs: Ev[] = [];
  const tasks = new Map<number, Task>();
  let nextChain = 1;
  let invalid = 0;
  let orphanExits = 0;
  let lineNo = 0;
  let lineSeq = 0;
  let cpu: number | null = null;
  let ts: bigint | null = null;

  function taskOf(pid: number, comm: string | null, atCpu: number): Task {
    const key = pid === 0 ? -(1 + atCpu) : pid; // every CPU has its own idle task
    let t = tasks.get(key);
    if (!t) {
      t = { pid: key, comm, roles: new Set(), role: null, open: new Map(), frames: [], last: null, discard: "none", args: null };
      if (comm === "btrfs-cleaner" || comm === "btrfs-c") {
        t.roles.add("cleaner");
        t.role = "cleaner";
      }
      tasks.set(key, t);
    }
    return t;
  }

  function learnRole(t: Task, rule: FnRule | undefined): void {
    if (!rule?.role) return;
    t.roles.add(rule.role);
    if (rule.role !== "allocator") t.role = rule.role;
  }

  function closeChain(c: Chain): void {
    c.closed = true;
    if (c.owner.open.get(c.kind) === c) c.owner.open.delete(c.kind);
  }

  /** Kinds that have the step, the task's role's own first (cleaner → deletion, scrub → scrub, else relocation). */
  function kindsFor(type: string, role: string | null): ChainKind[] {
    const kinds = KINDS.filter((k) => STEPS[k].includes(type));
    const first = role === "cleaner" && kinds.includes("deletion") ? "deletion" : role === "scrub" && kinds.includes("scrub") ? "scrub" : "relocation";
    return kinds.includes(first) ? [first, ...kinds.filter((k) => k !== first)] : kinds;
  }

  function openChain(t: Task, kind: ChainKind, type: string, subject: bigint | null): Chain {
    const old = t.open.get(kind);
    if (old) closeChain(old);
    const c: Chain = { id: nextChain++, kind, current: type, subject, closed: false, owner: t };
    t.open.set(kind, c);
    return c;
  }

  /** The chain an event joins or opens (DOMAIN.md §6.3); its subject may be named later. */
  function bindStep(t: Task, ev: Ev, subject: bigint | null): void {
    const type = ev.type;
    if (type === "unused_bg_check" && ev.data.outcome === "skip") {
      ev.chain = openChain(t, "deletion", type, subject);
      closeChain(ev.chain);
      return;
    }
    const kinds = kindsFor(type, t.role);
    let c: Chain | undefined;
    for (const k of kinds) {
      const o = t.open.get(k);
      if (o && (STEPS[k].indexOf(type) > STEPS[k].indexOf(o.current) || REPEATABLE.has(type))) {
        c = o;
        break;
      }
    }
    if (c && subject !== null && c.subject !== null && c.subject !== subject) {
      closeChain(c);
      c = undefined;
    }
    if (!c) c = openChain(t, kinds[0]!, type, subject);
    else {
      c.current = type;
      c.subject ??= subject;
    }
    ev.chain = c;
    const steps = STEPS[c.kind];
    if (steps[steps.length - 1] === type) closeChain(c);
  }

  function emit(t: Task, type: string, data: Record<string, unknown>, subject: bigint | null, fromFunction: boolean): void {
    if (t.last) t.last.mergeOpen = false;
    const ev: Ev = { type, data, line: lineNo, lineSeq: lineSeq++, task: t, cpu, ts, chain: null, fromFunction, mergeOpen: fromFunction && map.mergeable.has(type) };
    if (KINDS.some((k) => STEPS[k].includes(type))) bindStep(t, ev, subject);
    t.last = ev;
    evs.push(ev);
  }

  function emitStep(t: Task, type: string, data: Record<string, unknown>, subject: bigint | null, fromFunction: boolean): void {
    if (type === "trim_bg") endTrim(t);
    emit(t, type, data, subject, fromFunction);
    if (type === "discard_start") t.discard = "open";
  }

  function endTrim(t: Task): void {
    if (t.open.has("trim")) emit(t, "trim_bg_end", { ...EMPTY.trim_bg_end }, null, false);
  }

  function endDiscard(t: Task, explicit = false): void {
    if (t.discard !== "open" && !(explicit && t.discard === "none")) return;
    t.discard = "ended";
    emit(t, "discard_end", { ...EMPTY.discard_end }, null, false);
  }

  function exitActions(t: Task, exit: NonNullable<FnRule["exit"]>): void {
    if (exit.end === "discard") endDiscard(t);
    if (exit.end === "trim") endTrim(t);
    if (exit.event) emit(t, exit.event, { ...EMPTY[exit.event] }, null, false);
    if (exit.closeChain) {
      const c = t.open.get(exit.closeChain);
      if (c) closeChain(c);
    }
  }

  function functionLine(t: Task, rule: FnRule | undefined, parent: string | null): void {
    if (!rule || rule.role || rule.noise) return;
    if (rule.end) {
      if (parent !== null ? rule.parents!.includes(parent) : t.roles.has("trim")) {
        if (rule.end === "trim") endTrim(t);
        else endDiscard(t);
      }
      return;
    }
    const data = { ...EMPTY[rule.event!], ...rule.data };
    // An annotation's bytenr names the chain's subject of a chain step, else the event's own.
    const step = KINDS.some((k) => STEPS[k].includes(rule.event!));
    const a = t.args;
    t.args = null;
    if (a) fillArgs(data, a, !step);
    emitStep(t, rule.event!, data, step ? (a?.bytenr ?? null) : null, true);
  }

  function annotation(t: Task, text: string): void {
    const m = ANNOTATION.exec(text.trim());
    if (!m) {
      invalid++;
      return;
    }
    const a = readArgs(m[2]!);
    const word = m[1]!;
    if (word === "args") t.args = a;
    else if (!ANNOTATION_EVENTS.has(word)) return;
    else if (word === "discard_end") endDiscard(t, true);
    else if (word === "trim_bg_end") endTrim(t);
    else {
      const data = { ...EMPTY[word] };
      if (word === "unused_bg_check") {
        data.outcome = a.skip ? "skip" : "proceed";
        data.used = a.used;
      } else fillArgs(data, a, word === "eb_write");
      emit(t, word, data, word === "eb_write" ? null : a.bytenr, false);
    }
  }

  function tracepointLine(t: Task, name: string, text: string): void {
    const rule = map.tracepoints.get(name);
    if (!rule?.event) return;
    if (rule.within && !t.open.has(rule.within)) return;
    const fsid = FSID.exec(text);
    const values = new Map<string, string>();
    for (const m of (fsid ? text.slice(fsid[0].length) : text).matchAll(PAIR)) if (!values.has(m[1]!)) values.set(m[1]!, m[2]!);
    for (const [k, v] of Object.entries(rule.when ?? {})) if (values.get(k) !== v) return;
    const data: Record<string, unknown> = { ...EMPTY[rule.event], ...rule.data };
    for (const [key, field] of Object.entries(rule.fields ?? {})) {
      const raw = values.get(field);
      const v = raw === undefined ? null : readValue(key, raw);
      if (v !== null) data[key] = v;
      else if (!rule.optional?.includes(key)) {
        invalid++; // racelab refuses such a line
        return;
      }
    }
    const bytenr = (data.bytenr ?? null) as bigint | null;
    // A tracepoint of a function's name merges into that function's event (§6.2 Merging).
    const cand = t.last;
    if (rule.merge && cand?.mergeOpen && cand.type === rule.event) {
      const bound = cand.chain ? cand.chain.subject : (cand.data.bytenr as bigint | null);
      if (bound === null || bound === bytenr) {
        for (const k of Object.keys(data)) if (k !== "bytenr" && cand.data[k] === null) cand.data[k] = data[k];
        if (cand.chain) cand.chain.subject ??= bytenr;
        else cand.data.bytenr ??= bytenr;
        cand.mergeOpen = false;
        return;
      }
    }
    const a = t.args;
    t.args = null;
    if (a) fillArgs(data, a, true);
    const named = (data.bytenr ?? null) as bigint | null;
    emitStep(t, rule.event, data, rule.subject ? named : null, false);
  }

  // Graph logs: each CPU's current task, from its context-switch blocks; before a CPU's first
  // block its lines belong to that block's left-hand task (read ahead), or to an unknown task of its own.
  const current = new Map<number, Task>();
  function graphTask(c: number, from: number): Task {
    let t = current.get(c);
    if (t) return t;
    for (let j = from; j < lines.length; j++) {
      if (!lines[j]!.includes("=>")) continue;
      const s = SWITCH.exec(lines[j]!);
      if (s && Number(s[1]) === c) {
        t = taskOf(Number(s[3]), s[2]!, c);
        break;
      }
    }
    t ??= taskOf(-(1 + c), `cpu${c}`, c);
    current.set(c, t);
    return t;
  }

  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    lineNo = i + 1;
    lineSeq = 0;
    if (graph) {
      const m = GRAPH.exec(text);
      if (m) {
        cpu = Number(m[1]);
        const t = graphTask(cpu, i);
        if (m[3] !== undefined) {
          if (m[3] === "bgr") annotation(t, `bgr: ${m[4]}`);
          else tracepointLine(t, m[3], m[4]!);
          continue;
        }
        const depth = (m[2]!.length - 2) / 2;
        const name = m[5] ?? m[6];
        if (name !== undefined) {
          closeFrames(t, depth);
          const fn = normalize(name);
          let parent: Frame | undefined;
          for (let d = t.frames.length - 1; d >= 0 && !parent; d--) parent = t.frames[d];
          learnRole(t, parent?.rule);
          const rule = map.functions.get(fn);
          learnRole(t, rule);
          functionLine(t, rule, parent?.name ?? null);
          if (m[6] !== undefined) {
            if (rule?.exit) exitActions(t, rule.exit);
          } else t.frames[depth] = { name: fn, rule };
          continue;
        }
        const frame = t.frames[depth];
        if (!frame || (m[7] !== undefined && normalize(m[7]) !== frame.name)) orphanExits++;
        else closeFrames(t, depth);
        continue;
      }
    } else {
      const m = FLAT.exec(text);
      if (m) {
        cpu = Number(m[3]);
        const comm = m[1]!.trim();
        const t = taskOf(Number(m[2]), comm === "<...>" ? null : comm, cpu);
        ts = null;
        if (m[5] !== undefined) {
          const rule = map.functions.get(normalize(m[5]));
          const parent = normalize(m[6]!);
          learnRole(t, map.functions.get(parent));
          learnRole(t, rule);
          if (rule?.event || rule?.end) ts = BigInt(m[4]!.replace(".", "").padEnd(m[4]!.indexOf(".") + 9, "0"));
          functionLine(t, rule, parent);
        } else {
          if (map.tracepoints.get(m[7]!)?.event) ts = BigInt(m[4]!.replace(".", "").padEnd(m[4]!.indexOf(".") + 9, "0"));
          if (m[8]!.startsWith("bgr:")) annotation(t, m[8]!);
          else tracepointLine(t, m[7]!, m[8]!);
        }
        continue;
      }
    }
    if (text.trim() === "") continue;
    const g = GAP.exec(text);
    if (g) {
      cpu = Number(g[1] ?? g[3]);
      const data = { cpu, lost: g[2] === undefined ? null : Number(g[2]) };
      evs.push({ type: "trace_gap", data, line: lineNo, lineSeq: lineSeq++, task: taskOf(0, null, 0), cpu, ts: null, chain: null, fromFunction: false, mergeOpen: false });
      continue;
    }
    if (text.startsWith("#")) continue;
    if (graph && text.includes("=>")) {
      const s = SWITCH.exec(text);
      if (s) {
        current.set(Number(s[1]), taskOf(Number(s[5]), s[4]!, Number(s[1])));
        continue;
      }
    }
    if (graph && /^\s*-+\s*$/.test(text)) continue;
    invalid++;
  }

  function closeFrames(t: Task, depth: number): void {
    for (let d = t.frames.length - 1; d >= depth; d--) {
      const f = t.frames[d];
      if (f?.rule?.exit) exitActions(t, f.rule.exit);
    }
    if (t.frames.length > depth) t.frames.length = depth;
  }

  // End of the trace: open trims end, open chains close (unnamed ones stay unbound).
  lineNo = lines.length;
  lineSeq = 0;
  for (const t of tasks.values()) {
    endTrim(t);
    for (const c of [...t.open.values()]) closeChain(c);
  }

  let unbound = 0;
  const events = evs.map((e) => {
    if (e.chain && "bytenr" in e.data) e.data.bytenr = e.chain.subject;
    if (e.data.bytenr === null) unbound++;
    const pid = e.type === "trace_gap" ? 0 : e.task.pid;
    return {
      type: e.type as EventType,
      data: e.data,
      origin: { line: e.line, lineSeq: e.lineSeq, pid, comm: e.type === "trace_gap" ? null : e.task.comm, cpu: e.cpu, ts: e.ts },
      chain: e.chain ? { id: e.chain.id, kind: e.chain.kind } : null,
    } as RaceEvent;
  });
  return { events, tracer, lines: lines.length, unbound, invalid, orphanExits };
}

/** Parse and bind each file, replay it under both rule sets. */
export function replayLogs(files: readonly string[], mapFile = DEFAULT_MAP): { results: FileResult[]; secs: number; parseSecs: number; replaySecs: number } {
  const t0 = performance.now();
  const map = loadMap(mapFile);
  const results: FileResult[] = [];
  let parseMs = 0;
  let replayMs = 0;
  for (const file of files) {
    const p0 = performance.now();
    const { events, tracer, lines, unbound, invalid, orphanExits } = parseLog(file, map);
    const p1 = performance.now();
    const prepared = prepareTrace(events);
    const reports = Object.fromEntries(RULE_SETS.map((r) => [r, checkTrace(prepared, [r]).report])) as FileResult["reports"];
    replayMs += performance.now() - p1;
    parseMs += p1 - p0;
    results.push({ file, tracer, lines, events: events.length, unbound, invalid, orphanExits, reports });
  }
  return { results, secs: (performance.now() - t0) / 1000, parseSecs: parseMs / 1000, replaySecs: replayMs / 1000 };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error("usage: npx tsx bench/yardstick/straightforward.ts FILE...");
    process.exit(2);
  }
  const { results, secs, parseSecs, replaySecs } = replayLogs(files);
  for (const r of results) {
    const v = RULE_SETS.map((s) => `${s} ${r.reports[s].verdict}`).join(", ");
    console.log(`${path.basename(r.file)}: ${r.tracer}, ${r.lines} lines, ${r.events} events (${r.unbound} unbound, ${r.invalid} unreadable lines): ${v}`);
  }
  console.log(`${secs.toFixed(2)} s (parse and bind ${parseSecs.toFixed(2)} s, replay ${replaySecs.toFixed(2)} s)`);
}
