import type { Fix } from "./types.ts";

/**
 * Seed 002, "Btrfs: fix race between block group creation and their cache
 * writeout" (Fixes: 1bbc621ef284; upstream commit id of the fix not verified
 * here).
 *
 * Invariant: a transaction is aborted for a missing block group item only
 * when the item can no longer appear. Outside the commit's critical section
 * (`btrfs_start_dirty_block_groups`) another task's handle may still hold the
 * bg on its `new_bgs` list (phase 2 pending): -ENOENT there is ignored and
 * the bg re-queued on `dirty_bgs`; the critical pass
 * (`btrfs_write_dirty_block_groups`), after all writers left, still aborts.
 */
export const retryEnoentCacheWriteout = {
  id: "retry-enoent-cache-writeout",
  title: "ignore -ENOENT in the early cache writeout and retry in the critical section",
  seed: "002_70ee108d738edeeb.txt",
  commit: null,
  race: "bg-creation-vs-cache-writeout",
  invariant: "the commit never aborts on a block group whose item another handle has yet to insert",
  hooks: {
    writeCacheGroupEnoent: (phase, current) => (phase === "early" ? "requeue" : current),
  },
} as const satisfies Fix;
