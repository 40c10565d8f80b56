/**
 * Where every line went (issue 13 item 2): the import report counts each
 * line of a file once, under its function or tracepoint name (or a
 * pseudo-name), in one of three buckets — events, context, noise — so the
 * counts add up to the file's lines.
 *
 * Expected values come from this file's own reading of the raw bytes: the
 * line count from the newlines, each line's name from simple regexes per
 * format (the word before `:` or ` <-` after the timestamp; a graph line's
 * `name() {`, `name();`, `} /* name *\/`, `/* name: … *\/`), and the bucket
 * of a few names from DOMAIN.md §6.2 (a mapped tracepoint makes an event,
 * known noise makes none, a merged tracepoint is context).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { run as runImport } from "../../src/cli/commands/import.ts";
import { importFile } from "../../src/ftrace/import.ts";
import type { ImportReport, LineBuckets, LineCounts } from "../../src/ftrace/report.ts";
import { NAMES_KEPT, OTHER_NAMES } from "../../src/ftrace/report.ts";
import { textSink } from "../helpers/cli.ts";
import { databaseForFile } from "../helpers/db.ts";
import { parse, SHARED_TRACES, table } from "./helpers.ts";

const RECORDINGS = fileURLToPath(new URL("../../seeds/recordings", import.meta.url));

const FILES = [
  path.join(SHARED_TRACES, "balance-events.trace"),
  path.join(SHARED_TRACES, "balance-function.trace"),
  path.join(SHARED_TRACES, "balance-function_graph.trace"),
  ...["balance", "commit", "scrub", "trim"].map((n) => path.join(RECORDINGS, `${n}.trace`)),
];

// --- the test's own reading of a file -----------------------------------------------------

/** Lines of a file as `wc -l` would miss it: every `\n`, plus a last line without one. */
function lineCount(bytes: Buffer): number {
  let n = 0;
  for (const b of bytes) if (b === 10) n++;
  return bytes.length > 0 && bytes[bytes.length - 1] !== 10 ? n + 1 : n;
}

function lines(text: string): string[] {
  const out = text.split("\n");
  if (text.endsWith("\n")) out.pop();
  return out.map((l) => l.replace(/\r$/, ""));
}

// flat: `… [000] ..... 281.693063: name: …` (tracepoint, kprobe) or `… 281.695159: name <-parent` (function)
const FLAT_NAME = /\[\d+\]\s+\S+\s+\d+\.\d+: ([^\s:]+)(?::| <-)/;
// graph CALLS, after the `|` that ends the DURATION column
const G_ENTRY = /^([\w.]+)(?: \[\w+\])?\(\) \{$/;
const G_LEAF = /^([\w.]+)(?: \[\w+\])?\(\);$/;
const G_EXIT = /^\} \/\* ([\w.]+)(?: \[\w+\])? \*\/$/;
const G_TRACEPOINT = /^\/\* ([^\s:]+): /;
const G_SWITCH = /^\s*\d+\)\s+\S+-\d+\s+=>\s+\S+-\d+\s*$/;
const G_RULE = /^\s*-{10,}\s*$/;

/** Lines per name, by this test's regexes; throws on a line it cannot name (so every line is accounted for). */
function namesOf(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (name: string) => out.set(name, (out.get(name) ?? 0) + 1);
  const graph = /^# tracer: function_graph/m.test(text);
  lines(text).forEach((l, i) => {
    if (l.trim() === "") return add("(blank)");
    if (l.startsWith("#")) return add("(header)");
    if (graph) {
      if (G_RULE.test(l) || G_SWITCH.test(l)) return add("(context switch)");
      const calls = l.slice(l.indexOf("|") + 1).trim();
      if (calls === "}") return add("(exit)");
      const m = G_ENTRY.exec(calls) ?? G_LEAF.exec(calls) ?? G_EXIT.exec(calls) ?? G_TRACEPOINT.exec(calls);
      if (m) return add(m[1]!);
    } else {
      const m = FLAT_NAME.exec(l);
      if (m) return add(m[1]!);
    }
    throw new Error(`line ${i + 1} not named by the test: ${l}`);
  });
  return out;
}

/** Lines matching `re`. */
function count(text: string, re: RegExp): number {
  let n = 0;
  for (const l of lines(text)) if (re.test(l)) n++;
  return n;
}

// --- checks on a report ----------------------------------------------------------------------

/** Tracepoints DOMAIN.md §6.2 lists as known noise (those these logs print). */
const KNOWN_NOISE_TRACEPOINTS = [
  "btrfs_space_reservation",
  "btrfs_add_unused_block_group",
  "btrfs_add_reclaim_block_group",
  "btrfs_reserved_extent_alloc",
  "btrfs_reserved_extent_free",
  "btrfs_setup_cluster",
];

const total = (c: LineCounts) => c.events + c.context + c.noise;

function totalsByName(b: LineBuckets): Record<string, number> {
  return Object.fromEntries(Object.entries(b.byName).map(([name, c]) => [name, total(c)]));
}

/** (a) the buckets add up to the file's lines; (b) each name's lines are the test's count, and some names' buckets are known. */
function checkReport(file: string, report: ImportReport): void {
  const bytes = readFileSync(file);
  const text = bytes.toString("utf8");
  const b = report.lineBuckets!;
  const n = lineCount(bytes);
  expect(report.lines).toBe(n);
  expect(b.events + b.context + b.noise).toBe(n);
  expect(Object.values(b.byName).reduce((s, c) => s + total(c), 0)).toBe(n);
  // Every name, pseudo-names included, with as many lines as the test counts.
  expect(totalsByName(b)).toEqual(Object.fromEntries(namesOf(text)));
  // A line that made an event made at least one: never more lines than events.
  expect(b.events).toBeLessThanOrEqual(report.events);

  const by = b.byName;
  // Known noise tracepoints (DOMAIN.md §6.2): every line of them is noise.
  let noisy = 0;
  for (const tp of KNOWN_NOISE_TRACEPOINTS) {
    const lines = count(text, new RegExp(`(: |/\\* )${tp}: `));
    if (lines === 0) continue;
    noisy++;
    expect({ tp, ...by[tp] }).toEqual({ tp, events: 0, context: 0, noise: lines });
  }
  expect(noisy).toBeGreaterThan(0);
  // The tracer line (and a graph's column line) decides the format; other comments are noise.
  const deciding = count(text, /^# tracer:|^#.*FUNCTION CALLS/);
  expect(by["(header)"]).toEqual({ events: 0, context: deciding, noise: count(text, /^#/) - deciding });
}

describe("where every line went, on real logs (parsed in memory)", () => {
  test.each(FILES.map((f) => [path.basename(f), f]))("%s: every line counted once, under the name the test reads", (_name, file) => {
    const { report } = parse(readFileSync(file, "utf8"));
    checkReport(file, report);
  });

  test("nop log: each mapped tracepoint line is an event, known noise is noise", () => {
    const file = path.join(SHARED_TRACES, "balance-events.trace");
    const text = readFileSync(file, "utf8");
    const { report } = parse(text);
    const by = report.lineBuckets!.byName;
    // Under nop every mapped tracepoint line is an event of its own (no function line to merge with).
    for (const tp of ["btrfs_chunk_free", "btrfs_remove_block_group", "btrfs_chunk_alloc", "btrfs_reserve_extent", "btrfs_transaction_commit", "btrfs_skip_unused_block_group"]) {
      const n = count(text, new RegExp(`: ${tp}: `));
      expect(n).toBeGreaterThan(0);
      expect({ tp, ...by[tp] }).toEqual({ tp, events: n, context: 0, noise: 0 });
    }
    // `btrfs_add_block_group` is `bg_create` only with create=1 (§6.2); otherwise it maps to nothing.
    const created = count(text, /: btrfs_add_block_group: .*create=1/);
    expect(by.btrfs_add_block_group).toEqual({ events: created, context: 0, noise: count(text, /: btrfs_add_block_group: /) - created });
    // Each event is one line's: the events bucket holds as many lines as the log has events.
    expect(report.lineBuckets!.events).toBe(report.events);
    expect(report.lineBuckets!.eventsAtEnd).toBe(0);
    // Known noise tracepoints seen here.
    for (const tp of ["btrfs_add_unused_block_group", "btrfs_reserved_extent_alloc", "btrfs_reserved_extent_free", "btrfs_setup_cluster"]) {
      expect({ tp, ...by[tp] }).toEqual({ tp, events: 0, context: 0, noise: count(text, new RegExp(`: ${tp}: `)) });
    }
  });

  test("function log: a function's events, a merged tracepoint and a role are context", () => {
    const text = readFileSync(path.join(SHARED_TRACES, "balance-function.trace"), "utf8");
    const by = parse(text).report.lineBuckets!.byName;
    // `btrfs_create_pending_block_groups <-…` → bg_items_insert, every line.
    expect(by.btrfs_create_pending_block_groups).toEqual({ events: count(text, /: btrfs_create_pending_block_groups <-/), context: 0, noise: 0 });
    // The function `btrfs_remove_block_group` makes the event; the tracepoint of the same name merges into it (§6.2 Merging).
    expect(by.btrfs_remove_block_group).toEqual({
      events: count(text, /: btrfs_remove_block_group <-/),
      context: count(text, /: btrfs_remove_block_group: /),
      noise: 0,
    });
    // Role functions make no event but teach their task a role.
    expect(by.btrfs_delete_unused_bgs).toEqual({ events: 0, context: count(text, /: btrfs_delete_unused_bgs <-/), noise: 0 });
    // Known noise functions (§6.2) called by no role function.
    expect(by.btrfs_end_transaction).toEqual({ events: 0, context: 0, noise: count(text, /: btrfs_end_transaction <-/) });
  });

  test("function_graph log: context switches, blank lines, chain exits and bare exits", () => {
    const text = readFileSync(path.join(SHARED_TRACES, "balance-function_graph.trace"), "utf8");
    const by = parse(text).report.lineBuckets!.byName;
    // A switch line names the CPU's task (no TASK/PID column here); the ------ rules around it are noise.
    expect(by["(context switch)"]).toEqual({ events: 0, context: count(text, G_SWITCH), noise: count(text, G_RULE) });
    expect(by["(blank)"]).toEqual({ events: 0, context: 0, noise: count(text, /^\s*$/) });
    // `btrfs_relocate_chunk() {` is relocate_chunk; its exit closes the relocation chain (§6.2).
    expect(by.btrfs_relocate_chunk).toEqual({
      events: count(text, /\| +btrfs_relocate_chunk \[btrfs\]\(\) \{$/),
      context: count(text, /\| +\} \/\* btrfs_relocate_chunk \[btrfs\] \*\/$/),
      noise: 0,
    });
    // Tracepoints in comments: chunk_free is an event on every line.
    expect(by.btrfs_chunk_free).toEqual({ events: count(text, /\/\* btrfs_chunk_free: /), context: 0, noise: 0 });
  });
});

describe("where every line went, edge cases", () => {
  const HEAD = "# tracer: nop\n#\n";
  const tp = (i: number, body: string) => `              dd-210     [000] .....    13.${String(700000 + i)}: ${body}`;
  const FREE = "btrfs_chunk_free: 078ba8f7-3bd8-40f9-96af-23eafed4907a: root=3(CHUNK_TREE) offset=13631488 size=8388608 num_stripes=1 sub_stripes=0 type=DATA";

  test("a last line without newline counts; --skip-invalid lines are (skipped) noise", () => {
    const text = `${HEAD}${tp(1, FREE)}\nnot a trace line\n\n${tp(2, "sched_switch: prev_comm=dd prev_pid=210")}\ngarbage again\n${tp(3, FREE)}`;
    const { report } = parse(text, { skipInvalid: true });
    const b = report.lineBuckets!;
    expect(report.lines).toBe(8);
    expect(b.events + b.context + b.noise).toBe(8);
    expect(b.byName).toEqual({
      "(header)": { events: 0, context: 1, noise: 1 },
      "(skipped)": { events: 0, context: 0, noise: 2 },
      btrfs_chunk_free: { events: 2, context: 0, noise: 0 },
      "(blank)": { events: 0, context: 0, noise: 1 },
      sched_switch: { events: 0, context: 0, noise: 1 },
    });
    // An unmapped name is noise and still counted in `unmapped`.
    expect(report.unmapped).toEqual({ sched_switch: 1 });
    expect(report.skippedTotal).toBe(2);
  });

  test("annotations are named by their word; a trim open at the end makes an event no line made", () => {
    const text =
      "# tracer: function\n" +
      [
        "          fstrim-1216    [001] .....   489.1: btrfs_trim_fs <-btrfs_ioctl_fitrim",
        "          fstrim-1216    [001] .....   489.2: btrfs_trim_fs: bgr: args bytenr=22020096",
        "          fstrim-1216    [001] .....   489.3: btrfs_trim_block_group <-btrfs_trim_fs",
        "          fstrim-1216    [001] .....   489.4: btrfs_trim_fs: bgr: frobnicate x=1",
      ].join("\n") +
      "\n";
    const { report, events } = parse(text);
    expect(report.lineBuckets!.byName).toEqual({
      "(header)": { events: 0, context: 1, noise: 0 },
      btrfs_trim_fs: { events: 0, context: 1, noise: 0 }, // role trim
      "bgr: args": { events: 0, context: 1, noise: 0 }, // binds the next mapped line
      btrfs_trim_block_group: { events: 1, context: 0, noise: 0 },
      "bgr: frobnicate": { events: 0, context: 0, noise: 1 }, // unknown word
    });
    // The trim ends at the end of the trace: an event carrying the last line's number, made by no line.
    expect(events.map((e) => `${e.origin.line} ${e.type}`)).toEqual(["4 trim_bg", "5 trim_bg_end"]);
    expect(report.lineBuckets!.eventsAtEnd).toBe(1);
    expect(report.lineBuckets!.events).toBe(1);
  });

  test(`past ${NAMES_KEPT} names the rest count together; pseudo-names keep their own`, () => {
    const body = Array.from({ length: NAMES_KEPT + 5 }, (_, i) => tp(i, `unknown_tp_${i}: x=1`)).join("\n");
    const { report } = parse(`${HEAD}${body}\n\n`);
    const by = report.lineBuckets!.byName;
    // `(header)` comes first, so NAMES_KEPT − 1 tracepoints get a name of their own, then OTHER_NAMES and `(blank)`.
    expect(Object.keys(by).length).toBe(NAMES_KEPT + 2);
    expect(by[OTHER_NAMES]).toEqual({ events: 0, context: 0, noise: 6 });
    expect(by["(blank)"]).toEqual({ events: 0, context: 0, noise: 1 });
    expect(report.lineBuckets!.noise + report.lineBuckets!.context).toBe(report.lines);
  });
});

describe("where every line went, stored with the trace (real PostgreSQL)", () => {
  const t = databaseForFile();

  test.each(FILES.map((f) => [path.basename(f), f]))("%s: the stored report gives the same numbers", async (_name, file) => {
    const result = await importFile(t.store, file, { table, name: `buckets-${path.basename(file)}` });
    const stored = (await t.store.getTrace(result.trace.id))!.meta!.report as ImportReport;
    checkReport(file, stored);
    expect(stored.lineBuckets).toEqual(parse(readFileSync(file, "utf8")).report.lineBuckets);
  });

  test("racelab import --json prints the buckets, the same again for the stored trace", async () => {
    const file = path.join(SHARED_TRACES, "balance-events.trace");
    const cli = async () => {
      const stdout = textSink();
      expect(await runImport([file, "--json", "--name", "buckets-cli"], { store: t.store, stdout, stderr: textSink() })).toBe(0);
      return JSON.parse(stdout.text);
    };
    const first = await cli();
    expect(first.existing).toBe(false);
    checkReport(file, { ...first, warningCounts: first.warnings } as ImportReport);
    const again = await cli();
    expect(again.existing).toBe(true);
    expect(again.lineBuckets).toEqual(first.lineBuckets);
  });
});
