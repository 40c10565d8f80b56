/**
 * The log set of bench/real-logs.ts: the three real 6.1 logs of
 * ../shared/traces (one per tracer: nop, function, function_graph) and seven
 * logs generated from them, ten in all (~75 MB).
 *
 * A generated log is a real log rewritten, so it keeps the real one's shape
 * exactly (the same line kinds, in the same proportions and order, the same
 * chains): a new fsid, timestamps shifted (flat logs; the graph logs print
 * none), pids mapped to others of as many digits and user-space task names
 * to others of as many letters (the columns stay aligned), and every
 * block-group address (`offset=`, `bytenr=`, `block_group=`, `start=`,
 * `window_start=`) moved by one multiple of 1 GiB — the same within a file,
 * so what names a block group still names the same one. Kernel threads keep
 * their names (`btrfs-cleaner` is how a log shows its cleaner). Seeded: the
 * same seed writes the same bytes.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { rng } from "../test/helpers/random.ts";

export type Shape = "nop" | "function" | "function_graph";

export interface LogFile {
  readonly path: string;
  readonly shape: Shape;
  /** The real log it is, or was generated from. */
  readonly from: string;
  readonly generated: boolean;
  readonly bytes: number;
  readonly lines: number;
}

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REAL_TRACES = path.resolve(ROOT, "../shared/traces");

export const REAL_LOGS: readonly { readonly name: string; readonly shape: Shape }[] = [
  { name: "balance-events.trace", shape: "nop" },
  { name: "balance-function.trace", shape: "function" },
  { name: "balance-function_graph.trace", shape: "function_graph" },
];

/** Generated logs per shape: with the three real ones, 4 nop, 3 function, 3 function_graph. */
const GENERATED: readonly Shape[] = ["nop", "function", "function_graph", "nop", "function", "function_graph", "nop"];

// User-space commands of the real logs and others of the same length to put in their place.
const COMMS: Readonly<Record<string, readonly string[]>> = {
  dd: ["cp", "mv", "ln", "tr", "dd"],
  rm: ["rm", "du", "ls", "wc", "od"],
  sync: ["sync", "fsck", "tail", "gzip", "cpio"],
  mkdir: ["mkdir", "touch", "rmdir", "xargs", "mktmp"],
};

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
const ADDRESS = /\b(offset|bytenr|block_group|start|window_start)=(\d+)/g;
// `              dd-210     [000] ...1.    13.703574: body`
const FLAT = /^(\s*)(.*?)-(\d+)(\s+\[\d+\]\s+\S+)(\s+)(\d+)\.(\d{6}): (.*)$/;
// ` 0)     dd-336     =>     dd-337    `
const SWITCH_TASK = /(\S+)-(\d+)/g;

interface Rewrite {
  readonly fsid: string;
  readonly usShift: number;
  readonly addrShift: number;
  pid(p: number): number;
  comm(c: string): string;
}

function rewriteFor(seed: number): Rewrite {
  const r = rng(seed);
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join("");
  const fsid = `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(r() * 4)).toString(16)}${hex(3)}-${hex(12)}`;
  const usShift = Math.floor(r() * 5_000) * 1_000_000 + Math.floor(r() * 1_000_000);
  const addrShift = (1 + Math.floor(r() * 63)) * 2 ** 30;
  // One shift per number of digits: a bijection of d-digit pids onto d-digit pids (pid 0, the idle task, stays).
  const shifts = Array.from({ length: 8 }, () => Math.floor(r() * 1e7));
  const comms = Object.fromEntries(Object.entries(COMMS).map(([c, alts]) => [c, alts[Math.floor(r() * alts.length)]!]));
  return {
    fsid,
    usShift,
    addrShift,
    pid(p) {
      if (p === 0) return 0;
      const d = String(p).length;
      const lo = 10 ** (d - 1);
      const span = 9 * lo;
      return lo + ((p - lo + shifts[d - 1]!) % span);
    },
    comm: (c) => comms[c] ?? c,
  };
}

/** One real log rewritten as described at the top. */
export function rewriteLog(text: string, shape: Shape, seed: number): string {
  const rw = rewriteFor(seed);
  const oldFsid = UUID.exec(text)?.[0];
  const body = (s: string) => {
    let out = oldFsid ? s.replaceAll(oldFsid, rw.fsid) : s;
    if (out.includes("=")) out = out.replace(ADDRESS, (_, k: string, v: string) => `${k}=${Number(v) + rw.addrShift}`);
    return out;
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.startsWith("#") || l === "") continue;
    if (shape === "function_graph") {
      lines[i] = l.includes("=>") ? l.replace(SWITCH_TASK, (_, c: string, p: string) => `${rw.comm(c)}-${rw.pid(Number(p))}`) : body(l);
      continue;
    }
    const m = FLAT.exec(l);
    if (!m) throw new Error(`rewriteLog: line ${i + 1} is not a flat ftrace line: ${l.slice(0, 80)}`);
    const [, lead, comm, pid, cpuFlags, sp, secs, usecs, rest] = m as unknown as string[];
    const us = Number(secs) * 1e6 + Number(usecs) + rw.usShift;
    const ts = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")}`;
    const width = sp!.length + secs!.length + 7;
    lines[i] = `${lead}${rw.comm(comm!)}-${rw.pid(Number(pid))}${cpuFlags}${` ${ts}`.padStart(width)}: ${body(rest!)}`;
  }
  return lines.join("\n");
}

const countLines = (text: string) => {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
};

/**
 * The ten logs: the three real ones where they are, the seven generated
 * ones written into `dir` (seeds `seed`, `seed + 1`, …).
 */
export function makeLogSet(dir: string, seed = 1): LogFile[] {
  const out: LogFile[] = [];
  const texts = new Map<Shape, { file: string; text: string }>();
  for (const { name, shape } of REAL_LOGS) {
    const file = path.join(REAL_TRACES, name);
    const text = readFileSync(file, "utf8");
    texts.set(shape, { file, text });
    out.push({ path: file, shape, from: file, generated: false, bytes: Buffer.byteLength(text), lines: countLines(text) });
  }
  GENERATED.forEach((shape, i) => {
    const src = texts.get(shape)!;
    const text = rewriteLog(src.text, shape, seed + i);
    const file = path.join(dir, `gen${i + 1}-${path.basename(src.file)}`);
    writeFileSync(file, text);
    out.push({ path: file, shape, from: src.file, generated: true, bytes: Buffer.byteLength(text), lines: countLines(text) });
  });
  return out;
}
