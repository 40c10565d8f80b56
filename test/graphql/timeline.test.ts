/**
 * The timeline's reads over GraphQL (issue 14) on a real log
 * (shared/traces/balance-events.trace, a `nop` tracer: one event per mapped
 * tracepoint line): windows, filters and search, positions in a filtered
 * timeline, the event at a time, the overview, density per lane, and each
 * event's source line. Expected values come from the log's text itself (the
 * mapped lines found by a regular expression of their own), never from the
 * importer; the rule changes of the seed race are written out.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { importFile } from "../../src/ftrace/import.ts";
import { SEEDS_DIR } from "../../src/scenario/load.ts";
import { SHARED_TRACES } from "../ftrace/helpers.ts";
import { rigForFile } from "./helpers.ts";

const LOG = path.join(SHARED_TRACES, "balance-events.trace");
const rig = rigForFile({ seeds: ["balance-vs-unused-bg-deletion", "trim-vs-bg-removal"] });

/** Lines of the log that make an event under the default mapping table (DOMAIN §6.2, 6.1 tracepoints). */
const MAPPED = /: (btrfs_reserve_extent|btrfs_transaction_commit|btrfs_skip_unused_block_group|btrfs_chunk_alloc|btrfs_chunk_free|btrfs_remove_block_group): |: btrfs_add_block_group: .*create=1/;
const text = readFileSync(LOG, "utf8").split("\n");
const mapped = text.map((t, i) => ({ line: i + 1, text: t })).filter((l) => MAPPED.test(l.text));
const seqOfLine = (line: number) => mapped.findIndex((m) => m.line === line) + 1;
const nsOf = (t: string) => {
  const m = /\s(\d+)\.(\d{6}): /.exec(t)!;
  return BigInt(m[1]!) * 1_000_000_000n + BigInt(m[2]!) * 1000n;
};

let trace: string;
beforeAll(async () => {
  trace = (await importFile(rig.db.store, LOG, { name: "balance-events" })).trace.id;
});

const EVENTS = `query($t: ID!, $f: EventFilter, $first: Int, $offset: Int) {
  trace(id: $t) { events(filter: $f, first: $first, offset: $offset) { totalCount nodes { seq type bytenr bytenrHex origin { line cpu ts time } source { line text } } } }
}`;

test("a window of every event: its source lines are the log's own text, numbered as in the file", async () => {
  expect(mapped.length).toBe(349);
  const res = await rig.gql(EVENTS, { t: trace, first: 5, offset: 100 });
  expect(res.errors).toBeUndefined();
  const c = res.data.trace.events;
  expect(c.totalCount).toBe(349);
  expect(c.nodes.map((n: any) => n.seq)).toEqual([101, 102, 103, 104, 105]);
  for (const [i, n] of c.nodes.entries()) {
    const want = mapped[100 + i]!;
    expect(n.source).toEqual({ line: want.line, text: want.text });
    expect(n.origin.line).toBe(want.line);
    expect(BigInt(n.origin.ts)).toBe(nsOf(want.text));
    // seconds.microseconds as the log prints them
    expect(want.text).toContain(` ${n.origin.time}: `);
  }
});

test("search by a block group address, hex or decimal, finds the events about it", async () => {
  const about = mapped.filter((m) => /(bytenr|offset|block_group)=13631488\b/.test(m.text));
  expect(about.map((m) => m.line)).toEqual([1277, 1279, 53890]);
  for (const search of ["0xd00000", "0xD00000", "13631488"]) {
    const res = await rig.gql(EVENTS, { t: trace, f: { search }, first: 10 });
    expect(res.errors).toBeUndefined();
    expect(res.data.trace.events.nodes.map((n: any) => n.source.line)).toEqual([1277, 1279, 53890]);
    expect(res.data.trace.events.nodes.every((n: any) => n.bytenrHex === "0xd00000")).toBe(true);
    expect(res.data.trace.events.totalCount).toBe(3);
  }
});

test("search by function or tracepoint name, event type, comm and pid", async () => {
  const count = async (search: string) => (await rig.gql(EVENTS, { t: trace, f: { search }, first: 0 })).data.trace.events.totalCount;
  expect(await count("btrfs_reserve_extent")).toBe(mapped.filter((m) => m.text.includes(": btrfs_reserve_extent: ")).length);
  expect(await count("commit_done")).toBe(mapped.filter((m) => m.text.includes(": btrfs_transaction_commit: ")).length);
  expect(await count("btrfs-cleaner")).toBe(mapped.filter((m) => /^\s*btrfs-cleaner-\d+ /.test(m.text)).length);
  expect(await count("221")).toBe(mapped.filter((m) => /-221\s+\[/.test(m.text)).length);
  // Every word must match.
  expect(await count("btrfs_chunk_free 0xd00000")).toBe(1);
});

test("each filter narrows to the events it names", async () => {
  const count = async (f: object) => (await rig.gql(EVENTS, { t: trace, f, first: 0 })).data.trace.events.totalCount;
  expect(await count({ cpus: [0] })).toBe(mapped.filter((m) => m.text.includes(" [000] ")).length);
  expect(await count({ cpus: [1] })).toBe(mapped.filter((m) => m.text.includes(" [001] ")).length);
  expect(await count({ types: ["remove_block_group"] })).toBe(4);
  expect(await count({ pids: [206] })).toBe(mapped.filter((m) => /-206\s+\[/.test(m.text)).length);
  expect(await count({ blockGroups: ["0x1d00000"] })).toBe(mapped.filter((m) => /(bytenr|offset|block_group)=30408704\b/.test(m.text)).length);
  expect(await count({ cpus: [0], types: ["commit_done"] })).toBe(mapped.filter((m) => m.text.includes(" [000] ") && m.text.includes("btrfs_transaction_commit")).length);
  const bad = await rig.gql(EVENTS, { t: trace, f: { types: ["no_such_event"] } });
  expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.types" });
});

test("positions in a filtered timeline, the next and previous match, and the event at a time", async () => {
  const cpu0 = mapped.filter((m) => m.text.includes(" [000] ")).map((m) => seqOfLine(m.line));
  const res = await rig.gql(
    `query($t: ID!) { trace(id: $t) {
      r: matchRanks(filter: { cpus: [0] }, seqs: [1, 100, 349])
      next: findEvent(filter: { cpus: [0] }, from: 100)
      prev: findEvent(filter: { cpus: [0] }, from: 100, backward: true)
      at: seqAtTime(ts: "15.216579")
      atNs: seqAtTime(ts: "15216579000")
      none: seqAtTime(ts: "99.0")
    } }`,
    { t: trace },
  );
  expect(res.errors).toBeUndefined();
  const t = res.data.trace;
  expect(t.r).toEqual([1, 100, 349].map((s) => cpu0.filter((x) => x <= s).length));
  expect(t.next).toBe(cpu0.find((s) => s > 100));
  expect(t.prev).toBe([...cpu0].reverse().find((s) => s < 100));
  expect(t.at).toBe(seqOfLine(1279));
  expect(t.atNs).toBe(seqOfLine(1279));
  expect(t.none).toBeNull();
});

test("the overview counts tasks, CPUs, types and block groups in one answer; density per lane adds up", async () => {
  const res = await rig.gql(
    `query($t: ID!) { trace(id: $t) { overview { events firstTs lastTs cpus { cpu events } types { name count }
      tasks { pid comm task events idle } blockGroups { bytenr hex events } } } }`,
    { t: trace },
  );
  expect(res.errors).toBeUndefined();
  const o = res.data.trace.overview;
  expect(o.events).toBe(349);
  expect(BigInt(o.firstTs)).toBe(nsOf(mapped[0]!.text));
  expect(BigInt(o.lastTs)).toBe(nsOf(mapped[mapped.length - 1]!.text));
  expect(o.cpus).toEqual([
    { cpu: 0, events: mapped.filter((m) => m.text.includes(" [000] ")).length },
    { cpu: 1, events: mapped.filter((m) => m.text.includes(" [001] ")).length },
  ]);
  expect(o.types.find((t: any) => t.name === "bg_alloc").count).toBe(mapped.filter((m) => m.text.includes(": btrfs_reserve_extent: ")).length);
  expect(o.tasks.find((t: any) => t.pid === 206)).toMatchObject({ comm: "btrfs-cleaner", task: "btrfs-cleaner-206", idle: false });
  expect(o.blockGroups.find((b: any) => b.hex === "0xd00000")).toEqual({ bytenr: "13631488", hex: "0xd00000", events: 3 });

  const d = await rig.gql(`query($t: ID!, $a: String!, $b: String!) { trace(id: $t) { density(fromTs: $a, toTs: $b, buckets: 8, lanes: CPU) { lane counts } } }`, {
    t: trace,
    a: o.firstTs,
    b: String(BigInt(o.lastTs) + 1n),
  });
  expect(d.errors).toBeUndefined();
  const lanes = Object.fromEntries(d.data.trace.density.map((l: any) => [l.lane, l.counts]));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  expect(sum(lanes["0"])).toBe(o.cpus[0].events);
  expect(sum(lanes["1"])).toBe(o.cpus[1].events);
  // The first slice holds the events of its eighth of the time span.
  const span = (BigInt(o.lastTs) + 1n - BigInt(o.firstTs)) / 8n;
  const inFirst = mapped.filter((m) => m.text.includes(" [000] ") && nsOf(m.text) < BigInt(o.firstTs) + span).length;
  expect(lanes["0"][0]).toBe(inFirst);
});

test("the state names block-group type and stripes as the log printed them, addresses also in hex", async () => {
  const res = await rig.gql(
    `query($t: ID!, $at: Int!) { stateAt(trace: $t, seq: $at) { blockGroups { start startHex flags length } extentMaps { start startHex type stripes { devid } stripeCount } } }`,
    { t: trace, at: mapped.length },
  );
  expect(res.errors).toBeUndefined();
  const bg = (start: string) => res.data.stateAt.blockGroups.find((b: any) => b.start === start);
  const map = (start: string) => res.data.stateAt.extentMaps.find((m: any) => m.start === start);
  // `btrfs_remove_block_group: … bg bytenr=13631488 len=8388608 used=0 flags=1(DATA)`, `btrfs_chunk_free: … size=8388608 … type=DATA`
  expect(bg("13631488")).toEqual({ start: "13631488", startHex: "0xd00000", flags: ["DATA"], length: "8388608" });
  // `btrfs_reserve_extent: … block_group=30408704 flags=20(METADATA|RAID1)`: RAID1 has two stripes.
  expect(bg("30408704").flags).toEqual(["METADATA", "RAID1"]);
  expect(map("30408704")).toEqual({ start: "30408704", startHex: "0x1d00000", type: ["METADATA", "RAID1"], stripes: null, stripeCount: 2 });
});

test("what the rules changed, on the seed balance race under patched: the cleaner's steps wait, the check skips, the rest is not applied", async () => {
  const res = await rig.gql(`{ check(trace: "balance-vs-unused-bg-deletion", rules: ["patched"]) { changes { seq kind type text waitedFor heldBy appliedAfterSeq } } }`);
  expect(res.errors).toBeUndefined();
  const changes = res.data.check.changes.map((c: any) => [c.seq, c.kind, c.heldBy, c.appliedAfterSeq]);
  expect(changes).toEqual([
    [3, "waited", 17451, 8],
    [3, "skipped", null, null],
    [5, "waited", 17451, 8],
    [5, "not_applied", null, null],
    [6, "waited", 17451, 8],
    [6, "not_applied", null, null],
    [7, "waited", 17451, 8],
    [7, "not_applied", null, null],
    [8, "implied", null, null],
  ]);
  const skip = res.data.check.changes.find((c: any) => c.kind === "skipped");
  expect(skip.text).toBe("btrfs_delete_unused_bgs: block group 0xa69c00000 no longer in the cache tree when the check runs: skipped");
  const unpatched = await rig.gql(`{ check(trace: "balance-vs-unused-bg-deletion", rules: ["unpatched"]) { changes { seq kind } } }`);
  expect(unpatched.data.check.changes).toEqual([]);
});

test("the trim race under patched: the pinned chunk and the moved stripe", async () => {
  const res = await rig.gql(`{ check(trace: "trim-vs-bg-removal", rules: ["patched"]) { changes { seq kind type text } } }`);
  expect(res.errors).toBeUndefined();
  const kinds = res.data.check.changes.map((c: any) => `${c.seq} ${c.type} ${c.kind}`);
  expect(kinds).toEqual(expect.arrayContaining(["6 remove_block_group pinned", "8 chunk_alloc moved_allocation", "12 trim_bg_end unpinned"]));
  expect(res.data.check.changes.find((c: any) => c.kind === "moved_allocation").text).toBe(
    "btrfs_chunk_alloc: stripe on dev 1 moved from 0x40100000 to 0x40200000 (off pinned chunk 0x40000000)",
  );
});

test("a seed scenario's events carry their scenario line as source", async () => {
  const file = readFileSync(path.join(SEEDS_DIR, "balance-vs-unused-bg-deletion.scenario"), "utf8").split("\n");
  const res = await rig.gql(`{ trace(id: "balance-vs-unused-bg-deletion") { events(first: 8) { nodes { origin { line } source { line text } } } } }`);
  expect(res.errors).toBeUndefined();
  const nodes = res.data.trace.events.nodes;
  expect(nodes).toHaveLength(8);
  for (const n of nodes) expect(n.source).toEqual({ line: n.origin.line, text: file[n.origin.line - 1]!.trimEnd() });
  expect(nodes[7].source.text).toMatch(/^A\s+remove_chunk\b/);
});
