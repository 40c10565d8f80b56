/**
 * The kit's kprobe lines, as they came out of the recordings (lines copied
 * from seeds/recordings/*.trace, file line in the comment), map to the
 * right events through the mapping table (seeds/ftrace-map.json):
 * literal expectations, one sample per workload.
 */
import { parse, brief } from "../ftrace/helpers.ts";

/** A function-tracer log of these lines: the header is 2 lines, so the first sample line is line 3. */
const trace = (lines: readonly string[]) => `# tracer: function\n#\n${lines.join("\n")}\n`;

test("trim (trim.trace 26, 86, 95–105): a trim with its discards' device ranges; a commit's discard is context", () => {
  const { events, report } = parse(
    trace([
      "            sync-1214    [000] .....   489.419039: racelab_discard: (btrfs_discard_extent+0x87/0x2b0 [btrfs] <- btrfs_map_discard) devid=1 physical=39616512 len=65536",
      "          fstrim-1216    [001] .....   489.476142: btrfs_trim_fs <-btrfs_ioctl_fitrim",
      "          fstrim-1216    [001] .....   489.476249: racelab_trim_bg: (btrfs_trim_block_group+0x0/0x100 [btrfs]) bytenr=22020096",
      "          fstrim-1216    [001] .....   489.480976: racelab_discard: (btrfs_discard_extent+0x87/0x2b0 [btrfs] <- btrfs_map_discard) devid=1 physical=22020096 len=65536",
      "          fstrim-1216    [001] .....   489.490315: __btrfs_add_free_space <-do_trimming",
      "          fstrim-1216    [001] .....   489.490539: racelab_discard: (btrfs_discard_extent+0x87/0x2b0 [btrfs] <- btrfs_map_discard) devid=1 physical=22102016 len=8306688",
      "          fstrim-1216    [001] .....   489.495534: __btrfs_add_free_space <-do_trimming",
      "          fstrim-1216    [001] .....   489.495898: btrfs_unfreeze_block_group <-btrfs_trim_block_group",
      "          fstrim-1216    [001] .....   489.495983: racelab_trim_bg: (btrfs_trim_block_group+0x0/0x100 [btrfs]) bytenr=30408704",
      "    kworker/u4:0-9       [001] .....   489.395799: racelab_eb_write: (write_one_eb+0x0/0x210 [btrfs]) bytenr=31277056 len=16384",
    ]),
  );
  expect(events.map(brief)).toEqual([
    "5.0 1216 trim_bg 22020096 trim",
    "6.0 1216 discard_start 22020096 trim",
    "7.0 1216 discard_end 22020096 trim",
    "8.0 1216 discard_start 22020096 trim",
    "9.0 1216 discard_end 22020096 trim",
    "10.0 1216 trim_bg_end 22020096 trim",
    "11.0 1216 trim_bg 30408704 trim",
    "12.0 9 eb_write 31277056",
    "12.1 1216 trim_bg_end 30408704 trim",
  ]);
  const discards = events.filter((e) => e.type === "discard_start").map((e) => e.data);
  expect(discards).toEqual([
    { bytenr: 22020096n, len: 65536n, devid: 1, physical: 22020096n },
    { bytenr: 22020096n, len: 8306688n, devid: 1, physical: 22102016n },
  ]);
  expect(events.find((e) => e.type === "eb_write")!.data).toEqual({ bytenr: 31277056n, len: 16384n });
  expect(report.unmapped).toEqual({});
  expect(report.unbound).toBe(0);
});

test("cleaner (trim.trace 694–701): the check that proceeds, its set_ro, the removal", () => {
  const { events } = parse(
    trace([
      "   btrfs-cleaner-1075    [000] .....   492.465368: btrfs_delete_unused_bgs <-cleaner_kthread",
      "   btrfs-cleaner-1075    [000] .....   492.465515: racelab_unused_bg: (inc_block_group_ro+0x0/0x1e0 [btrfs]) bytenr=97517568 used=0 caller=0xffffffffc06fcf63",
      "   btrfs-cleaner-1075    [000] .....   492.465546: racelab_unused_bg_ro: (btrfs_zone_finish+0x0/0x20 [btrfs]) bytenr=97517568 caller=0xffffffffc06fcf83",
      "   btrfs-cleaner-1075    [000] .....   492.465676: racelab_remove_chunk: (btrfs_remove_chunk+0x0/0x6c0 [btrfs]) bytenr=97517568",
      "   btrfs-cleaner-1075    [000] .....   492.466413: btrfs_chunk_free: f09f8aed-b538-47e9-ac70-4a06ba05a1c1: root=3(CHUNK_TREE) offset=97517568 size=134217728 num_stripes=1 sub_stripes=1 type=DATA",
      "   btrfs-cleaner-1075    [000] .....   492.466446: btrfs_remove_block_group: f09f8aed-b538-47e9-ac70-4a06ba05a1c1: bg bytenr=97517568 len=134217728 used=0 flags=1(DATA)",
    ]),
  );
  expect(events.map(brief)).toEqual([
    "4.0 1075 unused_bg_check 97517568 deletion",
    "5.0 1075 set_ro 97517568 deletion",
    "6.0 1075 remove_chunk 97517568 deletion",
    "7.0 1075 chunk_free 97517568 deletion",
    "8.0 1075 remove_block_group 97517568 deletion",
  ]);
  expect(events[0]!.data).toEqual({ bytenr: 97517568n, outcome: "proceed", used: 0n, flags: null });
  expect(new Set(events.map((e) => e.chain!.id)).size).toBe(1);
});

test("balance (balance.trace 100, 124–126, 215, 218–219): one relocation, named from its first line", () => {
  const { events } = parse(
    trace([
      "           btrfs-965     [000] .....   455.907710: btrfs_balance <-btrfs_ioctl",
      "           btrfs-965     [000] .....   455.959486: racelab_relocate_chunk: (btrfs_relocate_chunk+0x0/0x120 [btrfs]) bytenr=13631488",
      "           btrfs-965     [000] .....   455.959756: racelab_relocate_bg: (btrfs_relocate_block_group+0x0/0x3f0 [btrfs]) bytenr=13631488",
      "           btrfs-965     [000] .....   455.960374: racelab_set_ro: (inc_block_group_ro+0x0/0x1e0 [btrfs]) bytenr=13631488 caller=0xffffffffc06fc448",
      "           btrfs-965     [000] .....   456.132805: racelab_remove_chunk: (btrfs_remove_chunk+0x0/0x6c0 [btrfs]) bytenr=13631488",
      "           btrfs-965     [000] .....   456.133466: btrfs_chunk_free: 8fa4ea8b-8f8e-49a3-92d6-3a4751c428c3: root=3(CHUNK_TREE) offset=13631488 size=8388608 num_stripes=1 sub_stripes=1 type=DATA",
      "           btrfs-965     [000] .....   456.133542: btrfs_remove_block_group: 8fa4ea8b-8f8e-49a3-92d6-3a4751c428c3: bg bytenr=13631488 len=8388608 used=0 flags=1(DATA)",
    ]),
  );
  expect(events.map(brief)).toEqual([
    "4.0 965 relocate_chunk 13631488 relocation",
    "5.0 965 relocate_bg 13631488 relocation",
    "6.0 965 set_ro 13631488 relocation",
    "7.0 965 remove_chunk 13631488 relocation",
    "8.0 965 chunk_free 13631488 relocation",
    "9.0 965 remove_block_group 13631488 relocation",
  ]);
});

test("scrub (scrub.trace 25–26, 37, 44): set_ro, scrub_chunk, clear_ro of one chunk", () => {
  const { events } = parse(
    trace([
      "           btrfs-1464    [000] .....   530.255924: scrub_enumerate_chunks <-btrfs_scrub_dev",
      "           btrfs-1464    [000] .....   530.256222: racelab_set_ro: (inc_block_group_ro+0x0/0x1e0 [btrfs]) bytenr=22020096 caller=0xffffffffc06fc448",
      "           btrfs-1464    [000] .....   530.270515: racelab_scrub_chunk: (scrub_chunk+0x0/0x130 [btrfs]) bytenr=22020096 devid=1 physical=22020096",
      "           btrfs-1464    [001] .....   530.287650: racelab_clear_ro: (btrfs_dec_block_group_ro+0x0/0x110 [btrfs]) bytenr=22020096",
    ]),
  );
  expect(events.map(brief)).toEqual([
    "4.0 1464 set_ro 22020096 scrub",
    "5.0 1464 scrub_chunk 22020096 scrub",
    "6.0 1464 clear_ro 22020096 scrub",
  ]);
});

test("commit (commit.trace 19–21): the early writeout writes a block group item", () => {
  const { events } = parse(
    trace([
      "            sync-1631    [000] .....   565.343285: btrfs_start_dirty_block_groups <-btrfs_commit_transaction",
      "            sync-1631    [000] .....   565.343318: btrfs_create_pending_block_groups <-btrfs_start_dirty_block_groups",
      "            sync-1631    [000] .....   565.343336: racelab_bg_item: (update_block_group_item+0x0/0x140 [btrfs]) bytenr=30408704",
    ]),
  );
  expect(events.map(brief)).toEqual(["3.0 1631 writeout_early", "4.0 1631 bg_items_insert", "5.0 1631 write_cache_group 30408704"]);
});
