import type { Fix } from "./types.ts";

/**
 * Seed 001, "Btrfs: fix race between fs trimming and block group
 * remove/allocation" (upstream commit id not verified here).
 *
 * Invariant: device space under a discard is not reused before the discard
 * completes. The bg gets a `trimming` counter and a `removed` flag;
 * `btrfs_trim_block_group` skips removed bgs and counts itself while it
 * discards; `btrfs_remove_block_group` of a bg still being trimmed keeps the
 * extent map and puts it on `fs_info->pinned_chunks`, whose device ranges the
 * chunk allocator treats as used; the last trimmer drops the map.
 */
export const pinChunksDuringTrim = {
  id: "pin-chunks-during-trim",
  title: "keep the extent map of a block group being trimmed (pinned_chunks)",
  seed: "001_ccdd62c1f7bd69e1.txt",
  commit: null,
  race: "trim-vs-bg-removal",
  invariant: "a device range being discarded is never allocated to a new chunk before the discard ends",
  hooks: {
    removeBlockGroup: (bg, current) => ({ markRemoved: true, keepMapPinned: current.keepMapPinned || bg.trimming > 0 }),
    trimStart: (bg) => (bg.removed ? "noop" : "counted"),
    avoidPinnedRanges: () => true,
  },
} as const satisfies Fix;
