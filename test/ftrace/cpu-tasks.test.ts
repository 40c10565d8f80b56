/**
 * function_graph logs without task columns (DOMAIN.md §6.1 Task): a CPU that
 * shows no context-switch block is one unknown task of its own — pid
 * −(1+N), comm `cpuN` — never merged with another CPU's lines; the idle task
 * (pid 0) is a different task on each CPU in every format.
 */
import { eventLine } from "../../src/cli/commands/events.ts";
import type { StoredEvent } from "../../src/events/types.ts";
import { checkEvents } from "../../src/replay/check.ts";
import { rigForFile } from "../graphql/helpers.ts";
import { brief, parse } from "./helpers.ts";

const X = 1104150528n;
const FSID = "8f11b857-6dc8-4e65-917e-0118b0a1a4d3";
const HEADER = ["# tracer: function_graph", "#", "# CPU  DURATION                  FUNCTION CALLS", "# |     |   |                     |   |   |   |"];

/**
 * Seed 002 as a 6.1 kernel prints it without funcgraph-proc: CPU 4 creates X
 * and its handle is still open; CPU 8 commits and writes X's item in `writeout`
 * (`btrfs_start_dirty_block_groups` = early, `btrfs_write_dirty_block_groups` = critical).
 */
function creationVsWriteout(writeout: "btrfs_start_dirty_block_groups" | "btrfs_write_dirty_block_groups"): string {
  return `${[
    ...HEADER,
    " 4)               |  btrfs_chunk_alloc [btrfs]() {", // 5
    ` 4)               |    /* btrfs_chunk_alloc: ${FSID}: root=3(CHUNK_TREE) offset=${X} size=268435456 num_stripes=2 sub_stripes=1 type=METADATA|RAID1 */`,
    " 4)               |    btrfs_make_block_group [btrfs]() {", // 7
    ` 4)               |      /* btrfs_add_block_group: ${FSID}: block_group offset=${X} size=268435456 flags=20(METADATA|RAID1) bytes_used=0 bytes_super=0 create=1 */`,
    " 4) + 12.000 us   |    }",
    " 8)               |  btrfs_commit_transaction [btrfs]() {", // 10
    " 4) + 50.000 us   |  }",
    " 8)   5.000 us    |    btrfs_create_pending_block_groups [btrfs]();", // 12
    ` 8)               |    ${writeout} [btrfs]() {`, // 13
    ` 8)               |      /* bgr: args bytenr=${X} */`,
    " 8)   2.000 us    |      write_one_cache_group [btrfs]();", // 15
    " 8)   1.000 us    |      __btrfs_abort_transaction [btrfs]();", // 16
    " 8) + 30.000 us   |    }",
    " 8) ! 200.000 us  |  }",
  ].join("\n")}\n`;
}

describe("a CPU without context-switch blocks is one unknown task of its own", () => {
  test("the creating CPU and the committing CPU are two tasks: pids −5 and −9, comms cpu4 and cpu8", () => {
    const { events, report } = parse(creationVsWriteout("btrfs_start_dirty_block_groups"));
    expect(events.map(brief)).toEqual([
      `6.0 -5 chunk_alloc ${X} creation`,
      `7.0 -5 bg_create ${X} creation`,
      "10.0 -9 commit_start",
      "12.0 -9 bg_items_insert",
      "13.0 -9 writeout_early",
      `15.0 -9 write_cache_group ${X}`,
      "16.0 -9 trans_abort",
      "17.0 -9 writeout_end",
    ]);
    expect(new Set(events.map((e) => e.origin.comm))).toEqual(new Set(["cpu4", "cpu8"]));
    expect(events.every((e) => e.origin.pid === -(1 + e.origin.cpu!))).toBe(true);
    expect(report.warnings).toEqual([
      { code: "task_unknown", line: 5 },
      { code: "task_unknown", line: 10 },
    ]);
  });

  test("unpatched: the write finds no item for X (transaction_abort_enoent at its line); the early-phase ENOENT fix cures it", () => {
    const { events } = parse(creationVsWriteout("btrfs_start_dirty_block_groups"));
    const unpatched = checkEvents(events, ["unpatched"]);
    expect(unpatched.verdict).toBe("bug");
    expect(unpatched.findings.map((f) => [f.effect, f.line])).toEqual([["transaction_abort_enoent", 15]]);
    expect(unpatched.warnings.map((w) => w.code)).not.toContain("observation_unexplained");
    const fixed = checkEvents(events, ["retry-enoent-cache-writeout"]);
    expect(fixed.verdict).toBe("clean");
    expect(fixed.findings).toEqual([]);
  });

  test("in the critical phase the fix does not tolerate ENOENT: bug under the fix too", () => {
    const { events } = parse(creationVsWriteout("btrfs_write_dirty_block_groups"));
    for (const rules of ["unpatched", "retry-enoent-cache-writeout", "patched"]) {
      const r = checkEvents(events, [rules]);
      expect([rules, r.verdict, r.findings.map((f) => [f.effect, f.line])]).toEqual([rules, "bug", [["transaction_abort_enoent", 15]]]);
    }
  });

  test("blocks on some CPUs and none on others: CPU 0 follows its blocks, CPU 1 is cpu1", () => {
    const text = `${[
      ...HEADER,
      " 0)   1.000 us    |  btrfs_create_pending_block_groups [btrfs]();", // 5: before CPU 0's first block: its left-hand task
      " 1)   1.000 us    |  btrfs_create_pending_block_groups [btrfs]();", // 6: CPU 1 never shows a block
      " ------------------------------------------",
      " 0)     dd-336     =>     dd-337    ",
      " ------------------------------------------",
      " 0)   1.000 us    |  btrfs_create_pending_block_groups [btrfs]();", // 10: dd-337
      " 1)   1.000 us    |  btrfs_create_pending_block_groups [btrfs]();", // 11
    ].join("\n")}\n`;
    const { events, report } = parse(text);
    expect(events.map((e) => [e.origin.line, e.origin.pid, e.origin.comm])).toEqual([
      [5, 336, "dd"],
      [6, -2, "cpu1"],
      [10, 337, "dd"],
      [11, -2, "cpu1"],
    ]);
    expect(report.warnings).toEqual([{ code: "task_unknown", line: 6 }]);
  });

  test("nesting stays per CPU: another CPU's frames at the same depth close nothing (no orphan_exit)", () => {
    const text = `${[
      ...HEADER,
      " 0)               |  btrfs_relocate_chunk [btrfs]() {", // 5
      " 1)               |  btrfs_delete_unused_bgs [btrfs]() {", // 6
      ` 0)               |    /* bgr: args bytenr=${X} */`,
      " 0)   3.000 us    |    btrfs_relocate_block_group [btrfs]();", // 8
      " 1)   2.000 us    |    btrfs_remove_chunk [btrfs]();", // 9: the cleaner's own chain, unbound
      " 1) + 20.000 us   |  }",
      " 0)   2.000 us    |    btrfs_remove_chunk [btrfs]();", // 11
      " 0) + 90.000 us   |  } /* btrfs_relocate_chunk [btrfs] */",
    ].join("\n")}\n`;
    const { events, report } = parse(text);
    expect(report.warnings.map((w) => w.code)).not.toContain("orphan_exit");
    expect(events.map(brief)).toEqual([
      "5.0 -1 relocate_chunk 1104150528 relocation", // the annotation names the subject of its chain (§6.3)
      "8.0 -1 relocate_bg 1104150528 relocation",
      "9.0 -2 remove_chunk null deletion", // CPU 1's own deletion chain, never named
      "11.0 -1 remove_chunk 1104150528 relocation",
    ]);
  });

  test("the idle task (pid 0) is a different task on each CPU in the flat format", () => {
    const text = `${[
      "# tracer: function",
      "#",
      "          <idle>-0       [000] d.s2.   100.000001: btrfs_create_pending_block_groups <-btrfs_end_transaction",
      "          <idle>-0       [001] d.s2.   100.000002: btrfs_create_pending_block_groups <-btrfs_end_transaction",
      "              dd-7       [001] .....   100.000003: btrfs_create_pending_block_groups <-btrfs_end_transaction",
    ].join("\n")}\n`;
    const { events } = parse(text);
    expect(events.map((e) => [e.origin.pid, e.origin.comm, e.origin.cpu])).toEqual([
      [-1, "<idle>", 0],
      [-2, "<idle>", 1],
      [7, "dd", 1],
    ]);
  });
});

describe("such a task is shown as unknown, not as pid 0", () => {
  const rig = rigForFile();

  test("racelab events prints `cpuN (unknown task)`", () => {
    const { events } = parse(creationVsWriteout("btrfs_start_dirty_block_groups"));
    const stored: StoredEvent = { ...events[0]!, seq: 1 };
    // No timestamp in this log (`-`); addresses in hex (issue 14).
    expect(eventLine(stored)).toMatch(/^\s+1\s+6\s+4\s+-\s+cpu4 \(unknown task\)\s+chunk_alloc\s+bytenr=0x41d00000 /);
  });

  test("GraphQL: origin.pid −(1+N), comm cpuN, task `cpuN (unknown task)`; actors the same", async () => {
    const imported = await rig.gql<{ importTrace: { trace: { id: string } } }>(
      `mutation($text: String!) { importTrace(name: "cpu-tasks", text: $text) { trace { id } } }`,
      { text: creationVsWriteout("btrfs_start_dirty_block_groups") },
    );
    expect(imported.errors).toBeUndefined();
    const id = imported.data!.importTrace.trace.id;
    const res = await rig.gql(
      `query($id: ID!) { trace(id: $id) { events(first: 3) { nodes { origin { pid comm task cpu } } } } stateAt(trace: $id, seq: 3, rules: ["unpatched"]) { actors { pid comm task } } }`,
      { id },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.trace.events.nodes.map((n: { origin: unknown }) => n.origin)).toEqual([
      { pid: -5, comm: "cpu4", task: "cpu4 (unknown task)", cpu: 4 },
      { pid: -5, comm: "cpu4", task: "cpu4 (unknown task)", cpu: 4 },
      { pid: -9, comm: "cpu8", task: "cpu8 (unknown task)", cpu: 8 },
    ]);
    expect([...res.data.stateAt.actors].sort((a: { pid: number }, b: { pid: number }) => b.pid - a.pid)).toEqual([
      { pid: -5, comm: "cpu4", task: "cpu4 (unknown task)" },
      { pid: -9, comm: "cpu8", task: "cpu8 (unknown task)" },
    ]);
  });
});
