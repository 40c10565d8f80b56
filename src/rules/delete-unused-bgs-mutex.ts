import { hex } from "../projections/state.ts";
import type { Fix } from "./types.ts";

/**
 * Seed 000, "Btrfs: fix race between balance and unused block group deletion"
 * (list post 2015-06-10; upstream commit id not verified here).
 *
 * Invariant: relocating a block group and deleting it as unused never
 * overlap. Balance holds `fs_info->delete_unused_bgs_mutex` around each
 * `btrfs_relocate_chunk` (taken before it searches the chunk tree), the
 * cleaner from before its unused check until the bg is removed or skipped.
 * Without it the cleaner removes the chunk under balance's feet and
 * `btrfs_remove_chunk` finds no extent map: ASSERT(0) in volumes.c.
 *
 * Replay: the first step of every relocation and deletion chain takes the
 * mutex (DOMAIN §4.3); whoever finds it held waits, FIFO. Balance takes it
 * before `btrfs_relocate_chunk` searches the chunk tree, so a chunk the
 * cleaner removed meanwhile is not found and not relocated; the cleaner
 * takes it before its unused check, which the replay recomputes when the
 * check waited (§3).
 */
export const deleteUnusedBgsMutex = {
  id: "delete-unused-bgs-mutex",
  title: "serialize balance and unused block group deletion with delete_unused_bgs_mutex",
  seed: "000_7410ea1700246a15.txt",
  commit: null,
  race: "balance-vs-unused-bg-deletion",
  invariant: "relocation and unused-bg deletion of a block group are never interleaved",
  hooks: {},
  locks: [
    {
      name: "delete_unused_bgs_mutex",
      released: "end-of-chain",
      waiters: "fifo",
      takenBy: {
        relocation: {
          event: "relocate_chunk",
          data: (bytenr) => ({ bytenr }),
          recheck: (bg, bytenr) =>
            bg && !bg.inCacheTree
              ? `__btrfs_balance: chunk ${hex(bytenr)} no longer in the chunk tree (removed at seq ${bg.removedAtSeq ?? "?"}), not relocated`
              : null,
        },
        deletion: { event: "unused_bg_check", data: (bytenr) => ({ bytenr, outcome: "proceed", used: null }) },
      },
    },
  ],
} as const satisfies Fix;
