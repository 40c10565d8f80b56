/**
 * Each text format end to end through the pure pipeline (no database):
 * fixtures written for the tests, compared with the expected events.
 */
import { brief, parse, readFixture } from "./helpers.ts";

describe("flat formats", () => {
  test("4.x function tracer, 4 flags, gap markers, `<...>` comm, 4.1 tracepoints", () => {
    const { events, report } = parse(readFixture("formats/flat-4x.trace"));
    expect(report.format).toBe("ftrace-function");
    expect(report.lines).toBe(22);
    expect(events.map(brief)).toEqual([
      "12.0 2001 relocate_chunk 29360128 relocation",
      "13.0 2001 relocate_bg 29360128 relocation",
      "15.0 0 trace_gap",
      "16.0 2001 set_ro 29360128 relocation",
      "17.0 0 trace_gap",
      "19.0 12 chunk_alloc 1104150528 creation",
      "20.0 12 bg_create 1104150528 creation",
      "21.0 2001 remove_chunk 29360128 relocation",
      "22.0 2001 chunk_free 29360128 relocation",
    ]);
    expect(report.gaps).toEqual([15, 17]);
    expect(events[2]!.data).toEqual({ cpu: 2, lost: 3 });
    // The 4.1 name `btrfs_set_block_group_ro` sets ro as a flag.
    expect(events[3]!.data).toEqual({ bytenr: 29360128n, flag: true });
    // `<...>` prints no comm: the task's known comm is kept; the timestamp is exact.
    expect(events[3]!.origin).toEqual({ line: 16, lineSeq: 0, pid: 2001, comm: "btrfs", cpu: 2, ts: 281_693_090_000n });
    expect(events[5]!.origin.comm).toBe("kworker/u8:1-mq");
    expect(events[5]!.data).toEqual({ bytenr: 1104150528n, len: 1073741824n, type: 1, stripes: null });
    expect(report.unmapped).toEqual({});
  });

  test("5.x nop tracer, 5 flags + TGID column; unknown tracepoints counted", () => {
    const { events, report } = parse(readFixture("formats/flat-5x-tgid.trace"));
    expect(report.format).toBe("ftrace-nop");
    expect(events.map(brief)).toEqual(["14.0 210 bg_alloc 30408704", "15.0 206 unused_bg_check 22020096 deletion", "16.0 207 commit_done"]);
    expect(events[0]!.data).toEqual({ bytenr: 30408704n, start: 30441472n, len: 16384n, flags: 0x14 }); // METADATA|RAID1
    expect(events[1]!.data).toEqual({ bytenr: 22020096n, outcome: "skip", used: 16384n, flags: 0x12 }); // SYSTEM|RAID1
    expect(events[2]!.data).toEqual({ gen: 9 });
    expect(report.unmapped).toEqual({ sched_process_exit: 1 });
  });

  test("trace_pipe output: no header, no flags column", () => {
    const { events, report } = parse(readFixture("formats/trace-pipe-flat.trace"));
    expect(report.format).toBe("ftrace-function");
    expect(events.map(brief)).toEqual(["3.0 806 chunk_alloc 298844160 creation", "4.0 806 bg_create 298844160 creation"]);
    // The add_block_group tracepoint merged into the btrfs_make_block_group line.
    expect(events[1]!.data).toEqual({ bytenr: 298844160n, len: 268435456n, flags: 1 });
  });
});

describe("function_graph", () => {
  test("default columns: tasks from context switches (read ahead), nesting per task across CPUs, orphan exit", () => {
    const { events, report } = parse(readFixture("formats/graph-default.trace"));
    expect(report.format).toBe("ftrace-function_graph");
    expect(events.map(brief)).toEqual([
      "5.0 346 relocate_chunk 13631488 relocation",
      "6.0 346 relocate_bg 13631488 relocation",
      "7.0 346 set_ro 13631488 relocation",
      "8.0 346 bg_items_insert",
      "14.0 355 bg_alloc 30408704",
      "20.0 346 remove_chunk 13631488 relocation",
      "21.0 346 chunk_free 13631488 relocation",
      "22.0 346 remove_block_group 13631488 relocation",
    ]);
    // Lines on CPU 1 before its first block belong to that block's left-hand task.
    expect(events[0]!.origin).toEqual({ line: 5, lineSeq: 0, pid: 346, comm: "btrfs", cpu: 1, ts: null });
    expect(report.warnings).toEqual([{ code: "orphan_exit", line: 27 }]);
  });

  test("funcgraph-proc: pid from the TASK/PID column; graph exits close chains", () => {
    const { events, report } = parse(readFixture("formats/graph-proc.trace"));
    expect(events.map(brief)).toEqual([
      "6.0 331 unused_bg_check 298844160 deletion",
      "7.0 409 relocate_chunk null relocation",
      "8.0 331 set_ro 567279616 deletion",
      "11.0 409 relocate_bg null relocation",
      "12.0 331 remove_chunk 567279616 deletion",
      "13.0 331 chunk_free 567279616 deletion",
    ]);
    // The relocation chain closed at the exit of btrfs_relocate_chunk without a subject: unbound.
    expect(report.unbound).toBe(2);
    const ids = new Set(events.filter((e) => e.origin.pid === 331).map((e) => e.chain!.id));
    expect(ids.size).toBe(2); // the recorded skip is a chain by itself
  });

  test("funcgraph-abstime: ts from TIME; ends of discards and trims", () => {
    const { events, report } = parse(readFixture("formats/graph-abstime.trace"));
    expect(events.map(brief)).toEqual([
      "7.0 700 trim_bg 1104150528 trim",
      "9.0 700 discard_start 1104150528 trim",
      "10.0 700 discard_end 1104150528 trim",
      "13.0 700 discard_start 1104150528 trim",
      "13.1 700 discard_end 1104150528 trim",
      "14.0 700 trim_bg_end 1104150528 trim",
      "15.0 700 trim_bg null trim",
      "16.0 700 trim_bg_end null trim",
    ]);
    expect(events[0]!.origin.ts).toBe(700_000_120_000n);
    expect(events[1]!.data).toEqual({ bytenr: 1104150528n, len: 65536n, devid: 2, physical: 1125122048n });
    expect(report.warnings).toEqual([{ code: "discard_window_unknown", line: 13 }]);
  });

  test("trace_pipe graph output: layout inferred, CPU task read ahead to the first block", () => {
    const { events, report } = parse(readFixture("formats/graph-pipe.trace"));
    expect(report.format).toBe("ftrace-function_graph");
    expect(events.map(brief)).toEqual([
      "1.0 301 commit_start",
      "2.0 301 writeout_early",
      "3.0 301 bg_items_insert",
      "4.0 301 writeout_end",
      "5.0 301 writeout_critical",
      "5.1 301 writeout_end",
      "6.0 301 commit_done",
    ]);
  });
});

describe("trace-cmd report and JSON lines", () => {
  test("trace-cmd report: function, funcgraph, bprint annotation, merged tracepoint", () => {
    const { events, report } = parse(readFixture("formats/trace-cmd.trace"));
    expect(report.format).toBe("trace-cmd");
    expect(events.map(brief)).toEqual([
      "4.0 1648 relocate_chunk 13631488 relocation",
      "5.0 1648 relocate_bg 13631488 relocation",
      "6.0 1648 set_ro 13631488 relocation",
      "9.0 1648 remove_chunk 13631488 relocation",
      "10.0 1648 remove_block_group 13631488 relocation",
    ]);
    expect(report.unmapped).toEqual({ "(trace_printk)": 1 });
  });

  test("racelab JSON lines round-trip as given", () => {
    const { events, report } = parse(readFixture("formats/events.jsonl"));
    expect(report.format).toBe("jsonl");
    expect(events.map(brief)).toEqual([
      "13.0 2001 relocate_chunk 13631488 relocation",
      "21.0 2001 remove_chunk 13631488 relocation",
      "null.0 301 commit_done",
    ]);
    expect(events[0]!.chain).toEqual({ id: 1, kind: "relocation" });
  });
});
