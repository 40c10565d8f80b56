/**
 * The binding rules of DOMAIN.md §6.2–§6.3 on small traces written for each
 * rule: chains, subjects named earlier or later, merging, ends of trims and
 * discards, roles, annotations, fsids. Pure (no database).
 */
import { parseTrace } from "../../src/ftrace/importer.ts";
import { FileOverflow } from "../../src/ftrace/overflow.ts";
import { brief, chainIds, flat, parse, table } from "./helpers.ts";

const FSID = "078ba8f7-3bd8-40f9-96af-23eafed4907a";
const FSID2 = "11111111-2222-3333-4444-555555555555";
const X = 1104150528n;
const Y = 1372585984n;

describe("chain subjects", () => {
  test("a subject named later binds the earlier events; other tasks' events stay in recorded order", () => {
    const { events } = parse(
      flat([
        ["btrfs", 1660, "btrfs_relocate_chunk <-btrfs_balance"],
        ["btrfs", 1660, "btrfs_relocate_block_group <-btrfs_relocate_chunk"],
        [
          "dd",
          77,
          `btrfs_reserve_extent: ${FSID}: root=2(EXTENT_TREE) block_group=30408704 flags=20(METADATA|RAID1) start=30441472 len=16384`,
        ],
        ["btrfs", 1660, "btrfs_inc_block_group_ro <-btrfs_relocate_block_group"],
        ["btrfs", 1660, "btrfs_remove_chunk <-btrfs_relocate_chunk"],
        ["btrfs", 1660, `btrfs_chunk_free: ${FSID}: root=3(CHUNK_TREE) offset=${X} size=268435456 num_stripes=1 sub_stripes=1 type=DATA`],
      ]),
    );
    expect(events.map(brief)).toEqual([
      `3.0 1660 relocate_chunk ${X} relocation`,
      `4.0 1660 relocate_bg ${X} relocation`,
      "5.0 77 bg_alloc 30408704",
      `6.0 1660 set_ro ${X} relocation`,
      `7.0 1660 remove_chunk ${X} relocation`,
      `8.0 1660 chunk_free ${X} relocation`,
    ]);
    expect(chainIds(events)).toHaveLength(1);
  });

  test("a creation chain inside a relocation names only itself (allocation targets never name the relocation)", () => {
    const { events } = parse(
      flat([
        ["btrfs", 1660, "btrfs_relocate_chunk <-btrfs_balance"],
        ["btrfs", 1660, "btrfs_relocate_block_group <-btrfs_relocate_chunk"],
        ["btrfs", 1660, "btrfs_inc_block_group_ro <-btrfs_relocate_block_group"],
        ["btrfs", 1660, "btrfs_chunk_alloc <-btrfs_inc_block_group_ro"],
        ["btrfs", 1660, `btrfs_chunk_alloc: ${FSID}: root=3(CHUNK_TREE) offset=${Y} size=268435456 num_stripes=1 sub_stripes=1 type=DATA`],
        ["btrfs", 1660, "btrfs_make_block_group <-btrfs_create_chunk"],
        [
          "btrfs",
          1660,
          `btrfs_add_block_group: ${FSID}: block_group offset=${Y} size=268435456 flags=1(DATA) bytes_used=0 bytes_super=0 create=1`,
        ],
        ["btrfs", 1660, `btrfs_reserve_extent: ${FSID}: root=2(EXTENT_TREE) block_group=${Y} flags=1(DATA) start=${Y} len=4096`],
        ["btrfs", 1660, "btrfs_remove_chunk <-btrfs_relocate_chunk"],
        ["btrfs", 1660, `btrfs_chunk_free: ${FSID}: root=3(CHUNK_TREE) offset=${X} size=268435456 num_stripes=1 sub_stripes=1 type=DATA`],
        ["btrfs", 1660, "btrfs_remove_block_group <-btrfs_remove_chunk"],
      ]),
    );
    expect(events.map(brief)).toEqual([
      `3.0 1660 relocate_chunk ${X} relocation`,
      `4.0 1660 relocate_bg ${X} relocation`,
      `5.0 1660 set_ro ${X} relocation`,
      `7.0 1660 chunk_alloc ${Y} creation`,
      `8.0 1660 bg_create ${Y} creation`,
      `10.0 1660 bg_alloc ${Y}`,
      `11.0 1660 remove_chunk ${X} relocation`,
      `12.0 1660 chunk_free ${X} relocation`,
      `13.0 1660 remove_block_group ${X} relocation`,
    ]);
    const reloc = events.filter((e) => e.chain?.kind === "relocation").map((e) => e.chain!.id);
    expect(new Set(reloc).size).toBe(1); // the nested creation chain did not close the relocation
  });

  test("a chain that closes without a subject-naming line stays unbound (never guessed)", () => {
    const { events, report } = parse(
      flat([
        ["btrfs", 9, `btrfs_reserve_extent: ${FSID}: root=2(EXTENT_TREE) block_group=${Y} flags=1(DATA) start=${Y} len=4096`],
        ["btrfs", 9, "btrfs_relocate_chunk <-btrfs_balance"],
        ["btrfs", 9, "btrfs_relocate_block_group <-btrfs_relocate_chunk"],
        ["btrfs", 9, "btrfs_relocate_chunk <-btrfs_balance"],
        ["sync", 10, "update_block_group_item <-btrfs_start_dirty_block_groups"],
      ]),
    );
    expect(events.map(brief)).toEqual([
      `3.0 9 bg_alloc ${Y}`,
      "4.0 9 relocate_chunk null relocation",
      "5.0 9 relocate_bg null relocation",
      "6.0 9 relocate_chunk null relocation",
      "7.0 10 write_cache_group null",
    ]);
    expect(chainIds(events)).toHaveLength(2); // the second relocate_chunk opened a new chain
    expect(report.unbound).toBe(4);
  });

  test("a subject-naming line that names another bytenr closes the chain and opens a new one", () => {
    const { events } = parse(
      flat([
        ["btrfs", 9, "btrfs_remove_chunk <-btrfs_relocate_chunk"],
        ["btrfs", 9, `btrfs_chunk_free: ${FSID}: offset=${X} size=1`],
        ["btrfs", 9, `btrfs_remove_block_group: ${FSID}: bg bytenr=${Y} len=1 used=0 flags=1(DATA)`],
      ]),
    );
    expect(events.map(brief)).toEqual([
      `3.0 9 remove_chunk ${X} relocation`,
      `4.0 9 chunk_free ${X} relocation`,
      `5.0 9 remove_block_group ${Y} relocation`,
    ]);
    expect(chainIds(events)).toHaveLength(2);
  });

  test("a recorded skip is a chain by itself and closes the open deletion chain", () => {
    const { events } = parse(
      flat([
        ["btrfs-cleaner", 300, "btrfs_delete_unused_bgs: bgr: unused_bg_check bytenr=5 ro=0 used=0"],
        ["btrfs-cleaner", 300, "inc_block_group_ro <-btrfs_delete_unused_bgs"],
        ["btrfs-cleaner", 300, `btrfs_skip_unused_block_group: ${FSID}: bg bytenr=${X} len=1 used=8 flags=1(DATA)`],
        ["btrfs-cleaner", 300, "btrfs_delete_unused_bgs: bgr: unused_bg_check bytenr=6 skip=1"],
        ["btrfs-cleaner", 300, "inc_block_group_ro <-btrfs_delete_unused_bgs"],
      ]),
    );
    expect(events.map(brief)).toEqual([
      "3.0 300 unused_bg_check 5 deletion",
      "4.0 300 set_ro 5 deletion",
      `5.0 300 unused_bg_check ${X} deletion`,
      "6.0 300 unused_bg_check 6 deletion",
      "7.0 300 set_ro null deletion",
    ]);
    expect(events.map((e) => (e.data as { outcome?: string }).outcome)).toEqual(["proceed", undefined, "skip", "skip", undefined]);
    expect(chainIds(events)).toHaveLength(4);
    expect(events[2]!.data).toEqual({ bytenr: X, outcome: "skip", used: 8n, flags: 1 });
  });
});

describe("roles choose the chain a shared step opens", () => {
  test("cleaner (comm or parent) ⇒ deletion; scrub ⇒ scrub; none ⇒ relocation; allocator never current", () => {
    const { events } = parse(
      flat([
        ["btrfs-cleaner", 1, "btrfs_inc_block_group_ro <-btrfs_foo"],
        ["worker", 2, "btrfs_inc_block_group_ro <-btrfs_delete_unused_bgs"],
        ["btrfs", 3, "scrub_enumerate_chunks <-btrfs_scrub_dev"],
        ["btrfs", 3, "btrfs_inc_block_group_ro <-scrub_enumerate_chunks"],
        ["btrfs", 4, "btrfs_inc_block_group_ro <-btrfs_foo"],
        ["btrfs", 3, "btrfs_chunk_alloc <-btrfs_inc_block_group_ro"],
        ["btrfs", 3, "btrfs_dec_block_group_ro <-scrub_enumerate_chunks"],
        ["btrfs", 3, "btrfs_inc_block_group_ro <-btrfs_foo"],
      ]),
    );
    expect(events.map((e) => `${e.origin.pid} ${e.type} ${e.chain!.kind}`)).toEqual([
      "1 set_ro deletion",
      "2 set_ro deletion",
      "3 set_ro scrub",
      "4 set_ro relocation",
      "3 clear_ro scrub",
      "3 set_ro scrub", // allocator did not become current
    ]);
  });
});

describe("bgr: args annotations", () => {
  test("bind the task's next mapped line only: noise, unmapped lines and other tasks do not take them", () => {
    const { events } = parse(
      flat([
        ["sync", 10, `btrfs_start_dirty_block_groups: bgr: args bytenr=${X}`],
        ["sync", 10, "btrfs_search_slot <-update_block_group_item"],
        ["sync", 10, "some_unknown_function <-update_block_group_item"],
        ["other", 11, "update_block_group_item <-btrfs_start_dirty_block_groups"],
        ["sync", 10, "update_block_group_item <-btrfs_start_dirty_block_groups"],
        ["sync", 10, "update_block_group_item <-btrfs_start_dirty_block_groups"],
      ]),
    );
    expect(events.map(brief)).toEqual(["6.0 11 write_cache_group null", `7.0 10 write_cache_group ${X}`, "8.0 10 write_cache_group null"]);
  });

  test("event annotations: eb_write, scrub_dev_extent; unknown words are counted", () => {
    const { events, report } = parse(
      flat([
        ["kworker", 5, `btree_write_cache_pages: bgr: eb_write bytenr=${Y} len=16384`],
        ["btrfs", 6, `scrub_enumerate_chunks: bgr: scrub_dev_extent bytenr=${X} devid=2 physical=4096`],
        ["btrfs", 6, "scrub_enumerate_chunks: bgr: wibble x=1"],
      ]),
    );
    expect(events.map(brief)).toEqual([`3.0 5 eb_write ${Y}`, `4.0 6 scrub_dev_extent ${X} scrub`]);
    expect(events[0]!.data).toEqual({ bytenr: Y, len: 16384n });
    expect(events[1]!.data).toEqual({ bytenr: X, devid: 2, physical: 4096n });
    expect(report.unmapped).toEqual({ "bgr: wibble": 1 });
  });

  test("a malformed annotation is an invalid line", () => {
    expect(() => parse(flat([["btrfs", 6, "foo: bgr: args bytenr=zz"]]))).toThrow("bad bgr: annotation");
  });
});

describe("merging a tracepoint into its function line", () => {
  test("remove_block_group fn + tp: one event at the function's line; the tp names an unbound chain", () => {
    const { events } = parse(
      flat([
        ["btrfs", 9, "btrfs_remove_chunk <-btrfs_relocate_chunk"],
        ["btrfs", 9, "btrfs_remove_block_group <-btrfs_remove_chunk"],
        ["btrfs", 9, `btrfs_remove_block_group: ${FSID}: bg bytenr=${X} len=1 used=0 flags=1(DATA)`],
      ]),
    );
    expect(events.map(brief)).toEqual([`3.0 9 remove_chunk ${X} relocation`, `4.0 9 remove_block_group ${X} relocation`]);
  });

  test("no merge when another event of the task lies between, or the bytenrs differ; create=0 maps to nothing", () => {
    const { events } = parse(
      flat([
        ["k", 9, `btrfs_chunk_alloc: ${FSID}: offset=${X} size=8 type=DATA`],
        ["k", 9, "btrfs_make_block_group <-btrfs_create_chunk"],
        ["k", 9, "btrfs_create_pending_block_groups <-btrfs_end_transaction"],
        ["k", 9, `btrfs_add_block_group: ${FSID}: block_group offset=${X} size=8 flags=1(DATA) bytes_used=0 bytes_super=0 create=1`],
        ["k", 9, `btrfs_add_block_group: ${FSID}: block_group offset=${Y} size=8 flags=1(DATA) bytes_used=0 bytes_super=0 create=0`],
      ]),
    );
    expect(events.map(brief)).toEqual([
      `3.0 9 chunk_alloc ${X} creation`,
      `4.0 9 bg_create ${X} creation`,
      "5.0 9 bg_items_insert",
      `6.0 9 bg_create ${X} creation`,
    ]);
    expect(events[1]!.data).toEqual({ bytenr: X, len: null, flags: null });
    expect(events[3]!.data).toEqual({ bytenr: X, len: 8n, flags: 1 });
  });
});

describe("ends of trims and discards", () => {
  test("flat: unfreeze with a trim parent ends the trim; add_free_space under do_trimming ends the discard once", () => {
    const { events, report } = parse(
      flat([
        ["fstrim", 7, "btrfs_trim_fs <-btrfs_ioctl_fitrim"],
        ["fstrim", 7, `btrfs_trim_fs: bgr: args bytenr=${X}`],
        ["fstrim", 7, "btrfs_trim_block_group <-btrfs_trim_fs"],
        ["fstrim", 7, "do_trimming <-trim_no_bitmap"],
        ["fstrim", 7, "__btrfs_add_free_space <-do_trimming"],
        ["fstrim", 7, "__btrfs_add_free_space <-do_trimming"],
        ["fstrim", 7, "btrfs_unfreeze_block_group <-btrfs_remove_block_group"],
        ["fstrim", 7, "btrfs_unfreeze_block_group <-btrfs_trim_block_group"],
        ["fstrim", 7, "btrfs_unfreeze_block_group <-btrfs_trim_block_group"],
        ["fstrim", 7, `btrfs_trim_fs: bgr: args bytenr=${Y}`],
        ["fstrim", 7, "btrfs_trim_block_group <-btrfs_trim_fs"],
        ["fstrim", 7, "trim_bitmaps: bgr: args len=4096 devid=1 physical=8192"],
        ["fstrim", 7, "do_trimming <-trim_bitmaps"],
        ["fstrim", 7, "do_trimming: bgr: discard_end"],
        ["fstrim", 7, "btrfs_trim_block_group <-btrfs_trim_fs"],
      ]),
    );
    expect(events.map(brief)).toEqual([
      `5.0 7 trim_bg ${X} trim`,
      `6.0 7 discard_start ${X} trim`,
      `7.0 7 discard_end ${X} trim`,
      `10.0 7 trim_bg_end ${X} trim`,
      `13.0 7 trim_bg ${Y} trim`,
      `15.0 7 discard_start ${Y} trim`,
      `16.0 7 discard_end ${Y} trim`,
      `17.0 7 trim_bg_end ${Y} trim`, // the next trim_bg ends the open one, just before it
      "17.1 7 trim_bg null trim",
      "17.2 7 trim_bg_end null trim", // end of the trace
    ]);
    expect(events[5]!.data).toEqual({ bytenr: Y, len: 4096n, devid: 1, physical: 8192n });
    expect(report.warnings).toEqual([]);
  });
});

describe("filesystems", () => {
  test("with more than one fsid, an event whose fsid stays unknown is unbound", () => {
    const text = flat([
      ["btrfs", 9, `btrfs_relocate_chunk: bgr: args bytenr=${X}`],
      ["btrfs", 9, "btrfs_relocate_chunk <-btrfs_balance"],
      ["btrfs", 9, "btrfs_relocate_block_group <-btrfs_relocate_chunk"],
      ["btrfs", 10, "btrfs_relocate_chunk <-btrfs_balance"],
      ["btrfs", 10, `btrfs_chunk_free: ${FSID2}: offset=${Y} size=8`],
      ["dd", 11, `btrfs_reserve_extent: ${FSID}: block_group=${X} start=${X} len=4096`],
    ]);
    expect(parse(text).events.map(brief)).toEqual([
      "4.0 9 relocate_chunk null relocation",
      "5.0 9 relocate_bg null relocation",
      `6.0 10 relocate_chunk ${Y} relocation`,
      `7.0 10 chunk_free ${Y} relocation`,
      `8.0 11 bg_alloc ${X}`,
    ]);
    // One fsid only: the annotation's binding stands.
    const single = text.replace(FSID2, FSID);
    expect(parse(single).events.map(brief).slice(0, 2)).toEqual([
      `4.0 9 relocate_chunk ${X} relocation`,
      `5.0 9 relocate_bg ${X} relocation`,
    ]);
  });
});

describe("output order", () => {
  test("events leave in recorded order (line, lineSeq) whatever waits for a subject", () => {
    const lines: [string, number, string][] = [];
    for (let i = 0; i < 200; i++) {
      lines.push(["btrfs", 1000 + i, "btrfs_relocate_chunk <-btrfs_balance"]);
      lines.push(["dd", 5, `btrfs_reserve_extent: ${FSID}: block_group=${X} start=${X} len=4096`]);
    }
    for (let i = 0; i < 200; i++) lines.push(["btrfs", 1000 + i, `btrfs_chunk_free: ${FSID}: offset=${BigInt(i) * 4096n} size=1`]);
    const { events } = parse(flat(lines));
    const positions = events.map((e) => [e.origin.line!, e.origin.lineSeq]);
    const sorted = [...positions].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    expect(positions).toEqual(sorted);
    expect(events).toHaveLength(600);
    expect((events[0]!.data as { bytenr: bigint }).bytenr).toBe(0n);
    expect((events[398]!.data as { bytenr: bigint }).bytenr).toBe(199n * 4096n);
  });
});

describe("overflow: waiting events beyond the memory limit go to a file and come back in order", () => {
  const lines: [string, number, string][] = [];
  for (let i = 0; i < 50; i++) {
    lines.push(["btrfs", 1000 + i, "btrfs_relocate_chunk <-btrfs_balance"]);
    lines.push(["dd", 5, `btrfs_reserve_extent: ${FSID}: block_group=${X} start=${X} len=4096`]);
  }
  for (let i = 0; i < 50; i++) lines.push(["btrfs", 1000 + i, `btrfs_chunk_free: ${FSID}: offset=${BigInt(i) * 4096n} size=1`]);
  const text = flat(lines);

  test("memory overflow (array) and the temporary file give the same events as no overflow", () => {
    const plain = parse(text).events;
    const memory: string[] = [];
    let at = 0;
    const inMemory = parseTrace(text, {
      table,
      queueLimit: 3,
      overflow: { append: (l) => void memory.push(l), next: () => (at < memory.length ? memory[at++]! : null), close: () => {} },
    }).events;
    expect(memory.length).toBeGreaterThan(100); // it did spill
    expect(inMemory).toEqual(plain);
    const file = new FileOverflow();
    try {
      expect(parseTrace(text, { table, queueLimit: 2, overflow: file }).events).toEqual(plain);
    } finally {
      file.close();
    }
  });

  test("the file reads back long and many lines, interleaving appends and reads", () => {
    const file = new FileOverflow();
    try {
      const written: string[] = [];
      const read: string[] = [];
      for (let i = 0; i < 5000; i++) {
        const l = `${i}:${"x".repeat(i % 701 === 0 ? 1_500_000 : i % 50)}`;
        written.push(l);
        file.append(l);
        if (i % 3 === 0) read.push(file.next()!);
      }
      for (let l = file.next(); l !== null; l = file.next()) read.push(l);
      expect(read.length).toBe(written.length);
      expect(read).toEqual(written);
    } finally {
      file.close();
    }
  });
});

describe("function_graph read-ahead is bounded", () => {
  test("a CPU without a context switch within the window is taken as its own unknown task (pid −(1+N))", () => {
    const lines = [
      "# tracer: function_graph",
      "#",
      "# CPU  DURATION                  FUNCTION CALLS",
      "# |     |   |                     |   |   |   |",
    ];
    lines.push(" 1)   1.000 us    |  btrfs_create_pending_block_groups [btrfs]();");
    for (let i = 0; i < 30; i++) lines.push(" 0)   1.000 us    |  some_helper [btrfs]();");
    lines.push(
      " ------------------------------------------",
      " 1)  kworker-9    =>   dd-5   ",
      " ------------------------------------------",
    );
    const text = `${lines.join("\n")}\n`;
    const late = parseTrace(text, { table, readAheadLines: 10 });
    expect(late.events.map(brief)).toEqual(["5.0 -2 bg_items_insert"]);
    expect(late.report.warnings).toEqual([
      { code: "task_unknown", line: 5 },
      { code: "task_unknown", line: 6 },
    ]);
    const inTime = parseTrace(text, { table });
    expect(inTime.events.map(brief)).toEqual(["5.0 9 bg_items_insert"]);
    expect(inTime.report.warnings).toEqual([{ code: "task_unknown", line: 6 }]); // CPU 0 never printed a block
  });
});

describe("lines without a known parent fall back to roles", () => {
  test("end markers of a trimming task end its discard and trim; another task's do nothing", () => {
    // trace-cmd `function` lines printed without `<-- parent` (func_stack_trace off, some versions)
    const text = [
      "cpus=1",
      "  fstrim-7  [000]  1.000001: function:   btrfs_ioctl_fitrim",
      "  fstrim-7  [000]  1.000002: bprint:     x: bgr: args bytenr=4096",
      "  fstrim-7  [000]  1.000003: function:   btrfs_trim_block_group",
      "  fstrim-7  [000]  1.000004: function:   do_trimming",
      "      dd-8  [000]  1.000005: function:   __btrfs_add_free_space",
      "      dd-8  [000]  1.000006: function:   btrfs_unfreeze_block_group",
      "  fstrim-7  [000]  1.000007: function:   __btrfs_add_free_space",
      "  fstrim-7  [000]  1.000008: function:   btrfs_unfreeze_block_group",
    ].join("\n");
    expect(parse(text).events.map(brief)).toEqual([
      "4.0 7 trim_bg 4096 trim",
      "5.0 7 discard_start 4096 trim",
      "8.0 7 discard_end 4096 trim",
      "9.0 7 trim_bg_end 4096 trim",
    ]);
  });
});
