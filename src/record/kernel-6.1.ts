/**
 * What `racelab record --kernel 6.1` sets up in tracefs, as data: the btrfs
 * tracepoints, the functions for `set_ftrace_filter` (roles, argument-free
 * events, end markers) and the kprobe events whose fetch arguments name the
 * block group, chunk or device range where 6.1's tracepoints leave events
 * unbound (DOMAIN.md §6.3). Each kprobe's event name is a tracepoint name of
 * `seeds/ftrace-map.json`, which maps its line to a domain event.
 *
 * Offsets are never written here: a fetch names a structure member or a
 * parameter, and the script reads its offset or position from the kernel's
 * BTF at record time (`btf.ts`). Checked against Debian 12's 6.1.0-57 btrfs.ko
 * (which functions are out of line, which callers reach them).
 */
import type { Workload } from "./workloads.ts";

/** Where a fetch argument's value comes from. */
export type Fetch =
  /** A function parameter by name (`$argN`, N from BTF). */
  | { readonly param: string }
  /** The return value of a return probe (`$retval`). */
  | { readonly retval: true }
  /** A member of the structure `of` points to (`+OFFSET(of)`, OFFSET from BTF). */
  | { readonly struct: string; readonly member: string; readonly of: Fetch };

export interface FetchArg {
  /** The field name the trace prints (`bytenr=…`): the mapping table's field. */
  readonly name: string;
  readonly type: "u64" | "u32";
  readonly from: Fetch;
}

export interface KprobeSpec {
  /** The kprobe event's name (group `racelab`): what the trace prints before the colon. */
  readonly event: string;
  /** `entry` (`p:`) or `return` (`r:`). */
  readonly at: "entry" | "return";
  readonly symbol: string;
  readonly args: readonly FetchArg[];
  /**
   * Only calls from (or, `outside`, not from) this function: the caller's
   * address — the return address, `$stack0` at entry (printed as `caller`),
   * `__probe_ret_ip` of a return probe — against the function's address
   * range, read from /proc/kallsyms when the kit starts.
   */
  readonly caller?: { readonly fn: string; readonly outside?: true };
  /** The workloads that need it (every workload includes the removals: each race is with one). */
  readonly workloads: readonly Workload[] | "all";
  /** Why this probe and not the tracepoint: one line for the script's comments. */
  readonly why: string;
}

const bg = (param: string, member: string): Fetch => ({ struct: "btrfs_block_group", member, of: { param } });
// The cleaner kthread and, in 6.1, the reclaim worker call btrfs_delete_unused_bgs; it calls inc_block_group_ro when its check proceeds.
const DELETE_UNUSED = "btrfs_delete_unused_bgs";

export const KPROBES_6_1: readonly KprobeSpec[] = [
  {
    event: "racelab_relocate_chunk",
    at: "entry",
    symbol: "btrfs_relocate_chunk",
    args: [{ name: "bytenr", type: "u64", from: { param: "chunk_offset" } }],
    workloads: "all",
    why: "relocate_chunk: names the chunk before btrfs_chunk_free does",
  },
  {
    event: "racelab_relocate_bg",
    at: "entry",
    symbol: "btrfs_relocate_block_group",
    args: [{ name: "bytenr", type: "u64", from: { param: "group_start" } }],
    workloads: "all",
    why: "relocate_bg",
  },
  {
    event: "racelab_unused_bg",
    at: "entry",
    symbol: "inc_block_group_ro",
    args: [
      { name: "bytenr", type: "u64", from: bg("cache", "start") },
      { name: "used", type: "u64", from: bg("cache", "used") },
    ],
    caller: { fn: DELETE_UNUSED },
    workloads: "all",
    why: "unused_bg_check that proceeds: btrfs_delete_unused_bgs calls inc_block_group_ro (6.1 traces only skips)",
  },
  {
    // Called by btrfs_delete_unused_bgs only when inc_block_group_ro returned 0 (a no-op unless zoned). Not a
    // return probe of inc_block_group_ro: a return probe replaces the return address that caller filters read.
    event: "racelab_unused_bg_ro",
    at: "entry",
    symbol: "btrfs_zone_finish",
    args: [{ name: "bytenr", type: "u64", from: bg("block_group", "start") }],
    caller: { fn: DELETE_UNUSED },
    workloads: "all",
    why: "set_ro of an unused block group's deletion: it became read-only",
  },
  {
    event: "racelab_set_ro",
    at: "entry",
    symbol: "inc_block_group_ro",
    args: [{ name: "bytenr", type: "u64", from: bg("cache", "start") }],
    caller: { fn: DELETE_UNUSED, outside: true },
    workloads: "all",
    why: "set_ro of balance, reclaim and scrub (btrfs_inc_block_group_ro calls it)",
  },
  {
    event: "racelab_clear_ro",
    at: "entry",
    symbol: "btrfs_dec_block_group_ro",
    args: [{ name: "bytenr", type: "u64", from: bg("cache", "start") }],
    workloads: "all",
    why: "clear_ro",
  },
  {
    event: "racelab_remove_chunk",
    at: "entry",
    symbol: "btrfs_remove_chunk",
    args: [{ name: "bytenr", type: "u64", from: { param: "chunk_offset" } }],
    workloads: "all",
    why: "remove_chunk",
  },
  {
    event: "racelab_trim_bg",
    at: "entry",
    symbol: "btrfs_trim_block_group",
    args: [{ name: "bytenr", type: "u64", from: bg("block_group", "start") }],
    workloads: ["trim"],
    why: "trim_bg: fstrim starts on a block group",
  },
  {
    // do_trimming → btrfs_discard_extent → btrfs_map_discard: the returned array's first stripe is the device range.
    event: "racelab_discard",
    at: "return",
    symbol: "btrfs_map_discard",
    args: [
      { name: "devid", type: "u64", from: { struct: "btrfs_device", member: "devid", of: { struct: "btrfs_discard_stripe", member: "dev", of: { retval: true } } } },
      { name: "physical", type: "u64", from: { struct: "btrfs_discard_stripe", member: "physical", of: { retval: true } } },
      { name: "len", type: "u64", from: { struct: "btrfs_discard_stripe", member: "length", of: { retval: true } } },
    ],
    workloads: ["trim"],
    why: "discard_start with devid and physical (counted only inside a trim: commits discard too with -o discard)",
  },
  {
    event: "racelab_eb_write",
    at: "entry",
    symbol: "write_one_eb",
    args: [
      { name: "bytenr", type: "u64", from: { struct: "extent_buffer", member: "start", of: { param: "eb" } } },
      { name: "len", type: "u32", from: { struct: "extent_buffer", member: "len", of: { param: "eb" } } },
    ],
    workloads: ["trim"],
    why: "eb_write: a metadata block written",
  },
  {
    event: "racelab_scrub_chunk",
    at: "entry",
    symbol: "scrub_chunk",
    args: [
      { name: "bytenr", type: "u64", from: bg("bg", "start") },
      { name: "devid", type: "u64", from: { struct: "btrfs_device", member: "devid", of: { param: "scrub_dev" } } },
      { name: "physical", type: "u64", from: { param: "dev_offset" } },
    ],
    workloads: ["scrub"],
    why: "scrub_chunk (devid and physical of its dev extent printed for the reader)",
  },
  {
    event: "racelab_bg_item",
    at: "entry",
    symbol: "update_block_group_item",
    args: [{ name: "bytenr", type: "u64", from: bg("cache", "start") }],
    workloads: ["commit"],
    why: "write_cache_group: the block group item written at commit",
  },
];

/** btrfs tracepoints enabled for every workload (DOMAIN.md §6.2; noise ones too, for the reader). */
export const TRACEPOINTS_6_1: readonly string[] = [
  "btrfs_add_block_group",
  "btrfs_remove_block_group",
  "btrfs_add_unused_block_group",
  "btrfs_skip_unused_block_group",
  "btrfs_add_reclaim_block_group",
  "btrfs_reclaim_block_group",
  "btrfs_chunk_alloc",
  "btrfs_chunk_free",
  "btrfs_transaction_commit",
  "btrfs_reserve_extent",
];

export interface TracedFunction {
  readonly name: string;
  readonly workloads: readonly Workload[] | "all";
}

/**
 * `set_ftrace_filter`: functions whose lines carry no argument the replay
 * needs — roles (§6.3), argument-free events and end markers. No function
 * that has a kprobe above is traced (one line per call, not two).
 */
export const FUNCTIONS_6_1: readonly TracedFunction[] = [
  { name: "btrfs_balance", workloads: "all" },
  { name: "btrfs_reclaim_bgs_work", workloads: "all" },
  { name: "btrfs_delete_unused_bgs", workloads: "all" },
  { name: "btrfs_chunk_alloc", workloads: "all" },
  { name: "btrfs_create_chunk", workloads: "all" },
  { name: "btrfs_create_pending_block_groups", workloads: "all" },
  { name: "btrfs_commit_transaction", workloads: "all" },
  { name: "btrfs_start_dirty_block_groups", workloads: ["commit"] },
  { name: "btrfs_write_dirty_block_groups", workloads: ["commit"] },
  { name: "btrfs_trim_fs", workloads: ["trim"] },
  { name: "btrfs_unfreeze_block_group", workloads: ["trim"] },
  { name: "__btrfs_add_free_space", workloads: ["trim"] },
  { name: "btrfs_scrub_dev", workloads: ["scrub"] },
  { name: "scrub_enumerate_chunks", workloads: ["scrub"] },
];

/** What 6.1 cannot give the kit, by event: said in the script and in docs/kernel-engineers.md. */
export const UNBOUND_6_1: readonly string[] = [
  "scrub_dev_extent: scrub_enumerate_chunks reads the dev extent into a local and calls nothing with it before the block group is made read-only; not recorded (it is a cross-check only)",
  "chunk_alloc stripes: create_chunk is inlined into btrfs_create_chunk and the btrfs_chunk_alloc tracepoint prints no stripes; a chunk allocated during the recording has unknown device ranges",
  "discard_start of a DUP or RAID1 block group: only the first stripe's device range (btrfs_map_discard returns one per copy)",
];
