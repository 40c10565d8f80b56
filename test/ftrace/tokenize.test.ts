/**
 * Tokenizers alone: one line in, one record out (no mapping, no database).
 */
import { parseAnnotation } from "../../src/ftrace/annotation.ts";
import { detectFormat } from "../../src/ftrace/detect.ts";
import { parseTracepointFields, readFlags, readU64 } from "../../src/ftrace/fields.ts";
import { LineError } from "../../src/ftrace/records.ts";
import { normalizeName, parseTimestampNs } from "../../src/ftrace/text.ts";
import { tokenizeFlat } from "../../src/ftrace/tokenize/flat.ts";
import { DEFAULT_GRAPH_LAYOUT, GraphTokenizer, layoutFromHeader } from "../../src/ftrace/tokenize/graph.ts";
import { tokenizeJsonl } from "../../src/ftrace/tokenize/jsonl.ts";
import { tokenizeTraceCmd } from "../../src/ftrace/tokenize/trace-cmd.ts";

describe("timestamps and names", () => {
  test("timestamps are integer nanoseconds, read digit by digit", () => {
    expect(parseTimestampNs("281.693063")).toBe(281_693_063_000n);
    expect(parseTimestampNs("1.123456789")).toBe(1_123_456_789n);
    expect(parseTimestampNs("0.000001")).toBe(1_000n);
    // Beyond 2^53 ns: a float would round this.
    expect(parseTimestampNs("9007199.254740993")).toBe(9_007_199_254_740_993n);
    expect(parseTimestampNs("123")).toBe(123n);
    expect(parseTimestampNs("1.1234567890")).toBeNull();
    expect(parseTimestampNs("1.x")).toBeNull();
  });

  test("names lose module, offsets and compiler-clone suffixes", () => {
    expect(normalizeName("btrfs_relocate_chunk.isra.29")).toBe("btrfs_relocate_chunk");
    expect(normalizeName("assfail.constprop.50")).toBe("assfail");
    expect(normalizeName("foo.part.3")).toBe("foo");
    expect(normalizeName("foo.cold")).toBe("foo");
    expect(normalizeName("foo.constprop.0.isra.0")).toBe("foo");
    expect(normalizeName("btrfs_end_transaction [btrfs]")).toBe("btrfs_end_transaction");
    expect(normalizeName("btrfs_remove_chunk+0x0/0x7a0")).toBe("btrfs_remove_chunk");
    expect(normalizeName("__btrfs_balance")).toBe("__btrfs_balance");
  });
});

describe("tracepoint fields", () => {
  test("fsid prefix, key=value, N(NAME), flags N(A|B)", () => {
    const f = parseTracepointFields(
      "078BA8F7-3bd8-40f9-96af-23eafed4907a: root=2(EXTENT_TREE) block_group=30408704 flags=20(METADATA|RAID1) start=30441472 len=16384",
    );
    expect(f.fsid).toBe("078ba8f7-3bd8-40f9-96af-23eafed4907a");
    expect(readU64(f.values.get("root")!)).toBe(2n);
    expect(readU64(f.values.get("block_group")!)).toBe(30408704n);
    expect(readFlags(f.values.get("flags")!)).toBe(20);
  });

  test("4.1 style `key = value,` without fsid", () => {
    const f = parseTracepointFields(
      "root = 3(CHUNK_TREE), offset = 29360128, size = 8388608, num_stripes = 1, sub_stripes = 0, type = DATA",
    );
    expect(f.fsid).toBeNull();
    expect(f.values.get("offset")).toBe("29360128");
    expect(f.values.get("size")).toBe("8388608");
    expect(readFlags(f.values.get("type")!)).toBe(1);
  });

  test("type printed as names only; bare words and `word: N` fragments ignored", () => {
    expect(readFlags("METADATA|DUP")).toBe(36);
    expect(readFlags("SYSTEM|RAID1C3")).toBe(2 | 512);
    expect(readFlags("BOGUS")).toBeNull();
    const f = parseTracepointFields("ee24aaec-78d8-4bb8-a596-09a234d3cdd9: space_info: 4 reserve 1310720");
    expect([...f.values.keys()]).toEqual([]);
    const bg = parseTracepointFields("ee24aaec-78d8-4bb8-a596-09a234d3cdd9: bg bytenr=22020096 len=8388608 used=0 flags=18(SYSTEM|RAID1)");
    expect(bg.values.get("bytenr")).toBe("22020096");
    expect(readU64(bg.values.get("used")!)).toBe(0n);
  });
});

describe("bgr: annotations", () => {
  test("args, event annotations, stripes, skip", () => {
    expect(parseAnnotation("bgr: args bytenr=29360128 len=1048576 devid=1 physical=38797312")).toEqual({
      kind: "args",
      args: { bytenr: 29360128n, len: 1048576n, devid: 1, physical: 38797312n, stripes: null, used: null, skip: false },
    });
    const a = parseAnnotation("bgr: args stripes=1:1125122048,2:4096");
    expect(a.kind === "args" && a.args.stripes).toEqual([
      { devid: 1, physical: 1125122048n },
      { devid: 2, physical: 4096n },
    ]);
    const c = parseAnnotation("bgr: unused_bg_check bytenr=5 skip=1 ro=0 used=0");
    expect(c).toMatchObject({ kind: "event", event: "unused_bg_check", args: { bytenr: 5n, skip: true, used: 0n } });
    expect(parseAnnotation("bgr: frobnicate x=1")).toEqual({ kind: "unknown", word: "frobnicate" });
    expect(() => parseAnnotation("bgr: args bytenr=12abc")).toThrow("bytenr=12abc");
    expect(() => parseAnnotation("bgr: args stripes=1-2")).toThrow("stripes");
  });
});

describe("flat tokenizer", () => {
  // 4.x header: 4 flag characters
  test("function line, 4 flags, clone suffix", () => {
    expect(tokenizeFlat("           btrfs-2001  [000] ....   281.693063: btrfs_relocate_chunk.isra.29 <-__btrfs_balance")).toEqual({
      kind: "call",
      task: { comm: "btrfs", pid: 2001 },
      cpu: 0,
      ts: 281_693_063_000n,
      name: "btrfs_relocate_chunk",
      parent: "__btrfs_balance",
    });
  });

  // 5.x: 5 flags and a TGID column (sometimes `(-------)`)
  test("5 flags with (TGID)", () => {
    const r = tokenizeFlat(
      "   btrfs-cleaner-206     (    206) [001] d..1.    14.000001: btrfs_skip_unused_block_group: 078ba8f7-3bd8-40f9-96af-23eafed4907a: bg bytenr=22020096",
    );
    expect(r).toMatchObject({
      kind: "tracepoint",
      task: { comm: "btrfs-cleaner", pid: 206 },
      cpu: 1,
      name: "btrfs_skip_unused_block_group",
    });
    expect(tokenizeFlat(" btrfs-transacti-207     (-------) [001] .....    14.1: btrfs_transaction_commit: x gen=9")).toMatchObject({
      task: { pid: 207 },
      ts: 14_100_000_000n,
    });
  });

  // trace_pipe with irq-info off: no flags column
  test("no flags column; comm with '-', '/', ':' and spaces", () => {
    expect(tokenizeFlat("    kworker/u4:7-806     [001]   281.851553: btrfs_chunk_alloc <-flush_space")).toMatchObject({
      kind: "call",
      task: { comm: "kworker/u4:7", pid: 806 },
      name: "btrfs_chunk_alloc",
      parent: "flush_space",
    });
    expect(tokenizeFlat(" my task-x-42  [000] ....  1.000001: foo <-bar")).toMatchObject({ task: { comm: "my task-x", pid: 42 } });
    expect(tokenizeFlat("           <...>-2001  [002] d..1   281.693090: foo <-bar")).toMatchObject({ task: { comm: null, pid: 2001 } });
  });

  test("trace_printk annotation and unknown tracepoint", () => {
    expect(tokenizeFlat("  btrfs-2001  [000] ....   1.5: __btrfs_balance: bgr: args bytenr=1")).toMatchObject({
      kind: "print",
      caller: "__btrfs_balance",
      text: "bgr: args bytenr=1",
    });
    expect(tokenizeFlat("  dd-210  [000] .....  14.2: sched_process_exit: comm=dd pid=210 prio=120")).toMatchObject({
      kind: "tracepoint",
      name: "sched_process_exit",
      body: "comm=dd pid=210 prio=120",
    });
  });

  test("gap markers, blank and header lines, stack traces", () => {
    expect(tokenizeFlat("CPU:2 [LOST 3 EVENTS]")).toEqual({ kind: "gap", cpu: 2, lost: 3 });
    expect(tokenizeFlat("##### CPU 3 buffer started ####")).toEqual({ kind: "gap", cpu: 3, lost: null });
    expect(tokenizeFlat("")).toEqual({ kind: "skip", name: "(blank)" });
    expect(tokenizeFlat("#           TASK-PID   CPU#  ||||    TIMESTAMP  FUNCTION")).toEqual({ kind: "skip", name: "(header)" });
    expect(tokenizeFlat("  dd-1  [000] ....  1.0: <stack trace>")).toEqual({ kind: "skip", name: "(stack trace)" });
    expect(tokenizeFlat(" => btrfs_relocate_chunk")).toEqual({ kind: "skip", name: "(stack trace)" });
  });

  test("non-UTF-8 bytes: kept in a task name, invalid elsewhere", () => {
    expect(tokenizeFlat("  bad\uFFFDname-12  [000] ....  1.0: foo <-bar")).toMatchObject({ task: { comm: "bad\uFFFDname", pid: 12 } });
    expect(() => tokenizeFlat("  dd-12  [000] ....  1.0: fo\uFFFDo <-bar")).toThrow("not UTF-8");
  });

  test("malformed lines throw LineError", () => {
    expect(() => tokenizeFlat("hello world")).toThrow(LineError);
    expect(() => tokenizeFlat("  dd-12  [000] ....  1.0: foo bar baz")).toThrow("neither");
  });
});

describe("function_graph tokenizer", () => {
  const def = new GraphTokenizer(DEFAULT_GRAPH_LAYOUT);

  test("header announces the columns", () => {
    expect(layoutFromHeader("# CPU  DURATION                  FUNCTION CALLS")).toEqual(DEFAULT_GRAPH_LAYOUT);
    expect(layoutFromHeader("#     TIME       CPU  TASK/PID         DURATION                  FUNCTION CALLS")).toMatchObject({
      abstime: true,
      proc: true,
      duration: true,
      reltime: false,
    });
  });

  // ` 0)               |  btrfs_end_transaction [btrfs]() {`
  test("entry, leaf, exit and depth", () => {
    expect(def.tokenize(" 0)               |  btrfs_end_transaction [btrfs]() {")).toEqual({
      kind: "entry",
      task: null,
      cpu: 0,
      ts: null,
      name: "btrfs_end_transaction",
      depth: 0,
      leaf: false,
    });
    expect(def.tokenize(" 0) + 58.669 us   |    btrfs_create_pending_block_groups [btrfs]();")).toMatchObject({
      kind: "entry",
      depth: 1,
      leaf: true,
    });
    expect(def.tokenize(" 1) * 34570.26 us |    } /* btrfs_relocate_block_group [btrfs] */")).toMatchObject({
      kind: "exit",
      name: "btrfs_relocate_block_group",
      depth: 1,
    });
    expect(def.tokenize(" 1) @ 878820.7 us |  }")).toMatchObject({ kind: "exit", name: null, depth: 0 });
    expect(def.tokenize(" 12) ! 556.736 us  |      }")).toMatchObject({ cpu: 12, depth: 2 });
  });

  test("funcgraph-retval and funcgraph-args forms", () => {
    expect(def.tokenize(" 0)   1.000 us    |  } /* btrfs_remove_chunk [btrfs] = 0x0 */")).toMatchObject({
      kind: "exit",
      name: "btrfs_remove_chunk",
    });
    expect(def.tokenize(" 0)   1.000 us    |  foo(); /* = 0xfffffffe */")).toMatchObject({ kind: "entry", leaf: true, name: "foo" });
    expect(def.tokenize(" 0)               |  do_trimming(block_group=0xffff, total_trimmed=0x0) {")).toMatchObject({
      name: "do_trimming",
    });
  });

  test("CALLS is never split: tracepoint text holds `|`", () => {
    expect(
      def.tokenize(
        " 0)               |      /* btrfs_reserve_extent: 8f11b857-6dc8-4e65-917e-0118b0a1a4d3: root=2(EXTENT_TREE) block_group=30408704 flags=20(METADATA|RAID1) start=31129600 len=16384 */",
      ),
    ).toMatchObject({
      kind: "tracepoint",
      name: "btrfs_reserve_extent",
      body: expect.stringContaining("flags=20(METADATA|RAID1) start=31129600"),
    });
    expect(def.tokenize(" 0)               |  /* bgr: args bytenr=7 */")).toMatchObject({
      kind: "print",
      caller: null,
      text: "bgr: args bytenr=7",
    });
  });

  test("context switch blocks and irq markers", () => {
    expect(def.tokenize(" ------------------------------------------")).toEqual({ kind: "skip", name: "(context switch)" });
    expect(def.tokenize(" 0)     dd-355     =>     dd-356    ")).toEqual({
      kind: "switch",
      cpu: 0,
      from: { comm: "dd", pid: 355 },
      to: { comm: "dd", pid: 356 },
    });
    expect(def.tokenize(" 1)  kworker-216   =>   kworker-9   ")).toMatchObject({ from: { pid: 216 }, to: { comm: "kworker", pid: 9 } });
    expect(def.tokenize(" 0)   ==========> |")).toEqual({ kind: "skip", name: "(irq marker)" });
  });

  // ` 1)  btrfs-c-331   |               |  btrfs_delete_unused_bgs [btrfs]() {`
  test("funcgraph-proc: the pid comes from TASK/PID", () => {
    const g = new GraphTokenizer({ ...DEFAULT_GRAPH_LAYOUT, proc: true });
    expect(g.tokenize(" 1)  btrfs-c-331   |               |  btrfs_delete_unused_bgs [btrfs]() {")).toMatchObject({
      kind: "entry",
      task: { comm: "btrfs-c", pid: 331 },
      cpu: 1,
      depth: 0,
    });
  });

  // `  700.000100 |   0)   fstrim-700   |               |  btrfs_trim_fs [btrfs]() {`
  test("funcgraph-abstime gives ts", () => {
    const g = new GraphTokenizer({ ...DEFAULT_GRAPH_LAYOUT, abstime: true, proc: true });
    expect(g.tokenize("  700.000100 |   0)   fstrim-700   |               |  btrfs_trim_fs [btrfs]() {")).toMatchObject({
      ts: 700_000_100_000n,
      task: { pid: 700 },
      name: "btrfs_trim_fs",
    });
  });

  test("trace_pipe: the layout is inferred from the first line", () => {
    const g = new GraphTokenizer(null);
    expect(g.tokenize(" 1)  btrfs-c-331   | + 10.000 us   |    }")).toMatchObject({ kind: "exit", task: { pid: 331 }, depth: 1 });
    expect(g.layout).toMatchObject({ proc: true, duration: true, abstime: false });
  });

  test("malformed graph lines", () => {
    expect(() => def.tokenize(" 0)               |  what is this")).toThrow(LineError);
    expect(() => def.tokenize(" 0)               |  /* unterminated")).toThrow("unterminated");
    expect(() => def.tokenize("  dd-1  [000] ....  1.0: foo <-bar")).toThrow(LineError);
  });
});

describe("trace-cmd report tokenizer", () => {
  test("function, funcgraph, bprint, tracepoint (padded), header lines", () => {
    expect(
      tokenizeTraceCmd("           btrfs-1648  [000]   283.140178: function:             btrfs_relocate_chunk <-- btrfs_balance"),
    ).toMatchObject({
      kind: "call",
      name: "btrfs_relocate_chunk",
      parent: "btrfs_balance",
      ts: 283_140_178_000n,
    });
    expect(
      tokenizeTraceCmd("  btrfs-1648  [000]   283.140192: funcgraph_entry:                   |  btrfs_relocate_block_group() {"),
    ).toMatchObject({
      kind: "entry",
      leaf: false,
      depth: 0,
    });
    expect(
      tokenizeTraceCmd("  btrfs-1648  [000]   283.140217: funcgraph_entry:        0.612 us   |    btrfs_inc_block_group_ro();"),
    ).toMatchObject({
      kind: "entry",
      leaf: true,
      depth: 1,
    });
    expect(tokenizeTraceCmd("  btrfs-1648  [000]   283.140300: funcgraph_exit:       + 40.123 us  |  }")).toMatchObject({
      kind: "exit",
      depth: 0,
    });
    expect(
      tokenizeTraceCmd("  btrfs-1648  [000]   283.1: bprint:               btrfs_relocate_chunk: bgr: args bytenr=13631488"),
    ).toMatchObject({
      kind: "print",
      caller: "btrfs_relocate_chunk",
      text: "bgr: args bytenr=13631488",
    });
    expect(
      tokenizeTraceCmd("  btrfs-300  [001]   600.1: btrfs_chunk_free:     078ba8f7-3bd8-40f9-96af-23eafed4907a: offset=1 size=2"),
    ).toMatchObject({
      kind: "tracepoint",
      name: "btrfs_chunk_free",
      body: "078ba8f7-3bd8-40f9-96af-23eafed4907a: offset=1 size=2",
    });
    for (const h of ["cpus=2", "version = 6", "CPU 1 is empty"]) expect(tokenizeTraceCmd(h)).toEqual({ kind: "skip", name: "(header)" });
  });
});

describe("JSON lines tokenizer", () => {
  test("valid event, invalid JSON, invalid field", () => {
    const r = tokenizeJsonl('{"type":"set_ro","data":{"bytenr":"5"},"origin":{"pid":1}}');
    expect(r).toMatchObject({ kind: "event", event: { type: "set_ro", data: { bytenr: 5n, flag: false }, origin: { pid: 1 } } });
    expect(() => tokenizeJsonl("{nope")).toThrow("not JSON");
    expect(() => tokenizeJsonl('{"type":"set_ro","data":{"bytenr":"x"},"origin":{"pid":1}}')).toThrow("data.bytenr");
    expect(() => tokenizeJsonl('{"type":"explode","origin":{"pid":1}}')).toThrow("unknown event type");
  });
});

describe("format detection", () => {
  test("from the header, from the first line, overridden by --format", () => {
    expect(detectFormat(["# tracer: function"], "  dd-1 [000] .... 1.0: a <-b", "auto")).toMatchObject({
      kind: "flat",
      format: "ftrace-function",
    });
    expect(detectFormat(["# tracer: nop"], "x", "auto")).toMatchObject({ format: "ftrace-nop" });
    expect(
      detectFormat(["# tracer: function_graph", "# CPU  TASK/PID         DURATION                  FUNCTION CALLS"], " 0) x", "auto"),
    ).toMatchObject({
      kind: "graph",
      layout: { proc: true },
    });
    expect(() => detectFormat(["# tracer: wakeup"], "x", "auto")).toThrow('unsupported tracer "wakeup"');
    expect(detectFormat([], "cpus=2", "auto")).toMatchObject({ kind: "trace-cmd" });
    expect(detectFormat([], "  b-1  [000]   2.0: function:   a <-- b", "auto")).toMatchObject({ kind: "trace-cmd" });
    expect(detectFormat([], "  b-1  [000]   2.0: a <-b", "auto")).toMatchObject({ kind: "flat", format: "ftrace-function" });
    expect(detectFormat([], "  b-1  [000]   2.0: btrfs_chunk_free: offset=1", "auto")).toMatchObject({ format: "ftrace-nop" });
    expect(detectFormat([], " 0)               |  foo() {", "auto")).toMatchObject({ kind: "graph", layout: null });
    expect(detectFormat([], '{"type":"set_ro"}', "auto")).toMatchObject({ kind: "jsonl" });
    expect(detectFormat([], "  b-1  [000]   2.0: a <-b", "trace-cmd")).toMatchObject({ kind: "trace-cmd" });
    expect(() => detectFormat([], "hello", "auto")).toThrow("unrecognised trace format");
    expect(() => detectFormat([], '{"type":"set_ro"}', "ftrace")).toThrow("not ftrace output");
  });
});
