import type { Fix } from "./types.ts";

/**
 * Seeds 003/004, "Btrfs: fix race between scrub and block group deletion",
 * upstream commit 020d5b7366fc.
 *
 * Invariant: scrub never fails because a chunk it found in the commit root
 * was deleted meanwhile. `scrub_chunk` treats a missing extent map of a bg
 * marked removed as "deleted under us" and returns 0; only a missing map of a
 * bg not removed is still -EINVAL. It relies on the `removed` flag of fix 001,
 * so with this fix alone `btrfs_remove_block_group` still sets `removed`.
 */
export const scrubSkipRemovedChunk = {
  id: "scrub-skip-removed-chunk",
  title: "scrub_chunk: a missing extent map of a removed block group is not an error",
  seed: "003_859c27ecbcd90aaa.txt, 004_28e7ee6444ef3537.txt",
  commit: "020d5b7366fc",
  race: "scrub-vs-bg-deletion",
  invariant: "scrub never returns -EINVAL to user space for a chunk deleted while it ran",
  hooks: {
    removeBlockGroup: (_bg, current) => ({ ...current, markRemoved: true }),
    scrubMissingMap: (bg, current) => (bg?.removed ? "skip" : current),
  },
} as const satisfies Fix;
