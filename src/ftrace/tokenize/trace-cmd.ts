/**
 * Tokenizer of `trace-cmd report` output (DOMAIN.md §6.1), pure. Lines are
 * `comm-pid [cpu] (flags) ts: event: …` like the flat format; the event
 * decides the body: `function`, `funcgraph_entry`, `funcgraph_exit`,
 * `bprint`/`print`/`bputs`, or a tracepoint `name: fields`. Spacing varies
 * by version, so every gap is `\s+`.
 */
import type { LineRecord } from "../records.ts";
import { LineError } from "../records.ts";
import { normalizeName } from "../text.ts";
import { checkUtf8Outside, commonLine, SKIP } from "./common.ts";
import { flatBody, parseFlatPrefix, type FlatPrefix } from "./flat.ts";

// `function:             btrfs_relocate_chunk <-- btrfs_balance`  (parent absent with some options)
const FUNCTION = /^function:\s+(\S+)(?: \[[\w-]+\])?(?:\s+<--\s+(\S+)(?: \[[\w-]+\])?)?\s*$/;
// `funcgraph_entry:                   |  btrfs_relocate_chunk() {`, `funcgraph_entry:        0.612 us   |    btrfs_make_block_group();`
// `funcgraph_exit:       + 40.123 us  |  }`
const FUNCGRAPH = /^funcgraph_(entry|exit):\s+(?:[+!#*@$]\s+)?(?:\d+(?:\.\d+)? us\s*)?\|(.*)$/;
// `bprint:               btrfs_relocate_chunk: bgr: args bytenr=13631488`, `print:  tracing_mark_write: bgr: eb_write …`
const PRINT = /^(?:bprint|print|bputs):\s+(?:([^\s:]+):\s)?(.*)$/;
// header of some versions: `version = 6`
const VERSION = /^\s*version = \S+\s*$/;

// CALLS of a funcgraph line, as in the kernel's graph output:
// `btrfs_relocate_chunk() {`
const ENTRY = /^([^\s(]+)(?: \[[\w-]+\])?\(.*\) \{$/;
// `btrfs_make_block_group();`
const LEAF = /^([^\s(]+)(?: \[[\w-]+\])?\(.*\);(?: \/\*.*\*\/)?$/;
// `}` or `} /* btrfs_relocate_chunk */`
const EXIT = /^\}(?: \/\* ([^\s(]+)(?: \[[\w-]+\])?(?: = \S+)? \*\/)?$/;

export function tokenizeTraceCmd(text: string): LineRecord {
  const common = commonLine(text);
  if (common) return common;
  if (VERSION.test(text)) return SKIP.header;
  const prefix = parseFlatPrefix(text);
  if (!prefix) {
    checkUtf8Outside(text);
    throw new LineError("not a trace-cmd report line (expected `comm-pid [cpu] timestamp: event: …`)");
  }
  return traceCmdBody(prefix);
}

function traceCmdBody(p: FlatPrefix): LineRecord {
  const { task, cpu, ts, body } = p;
  const c = body.charCodeAt(0);
  if (c === 0x66 /* f */) {
    const fn = FUNCTION.exec(body);
    if (fn) return { kind: "call", task, cpu, ts, name: normalizeName(fn[1]!), parent: fn[2] ? normalizeName(fn[2]) : null };
    const g = FUNCGRAPH.exec(body);
    if (g) return graphCalls(p, g[1] === "exit", g[2]!);
  }
  if (c === 0x62 /* b */ || c === 0x70 /* p */) {
    const pr = PRINT.exec(body);
    if (pr) return { kind: "print", task, cpu, ts, caller: pr[1] ? normalizeName(pr[1]) : null, text: pr[2]!.trimEnd() };
  }
  // Tracepoints read as in the flat format.
  return flatBody(p);
}

function graphCalls(p: FlatPrefix, isExit: boolean, raw: string): LineRecord {
  const { task, cpu, ts } = p;
  let spaces = 0;
  while (spaces < raw.length && raw.charCodeAt(spaces) === 32) spaces++;
  const body = raw.slice(spaces).trimEnd();
  const depth = Math.max(0, (spaces - 2) >> 1);
  if (isExit) {
    const m = EXIT.exec(body);
    if (!m) throw new LineError("malformed funcgraph_exit");
    return { kind: "exit", task, cpu, ts, name: m[1] ? normalizeName(m[1]) : null, depth };
  }
  const entry = ENTRY.exec(body);
  if (entry) return { kind: "entry", task, cpu, ts, name: normalizeName(entry[1]!), depth, leaf: false };
  const leaf = LEAF.exec(body);
  if (leaf) return { kind: "entry", task, cpu, ts, name: normalizeName(leaf[1]!), depth, leaf: true };
  throw new LineError("malformed funcgraph_entry");
}
