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
 * mutex (DOMAIN §4.3); whoever finds it held waits, FIFO.
 */
export const deleteUnusedBgsMutex = {
  id: "delete-unused-bgs-mutex",
  title: "serialize balance and unused block group deletion with delete_unused_bgs_mutex",
  seed: "000_7410ea1700246a15.txt",
  commit: null,
  race: "balance-vs-unused-bg-deletion",
  invariant: "relocation and unused-bg deletion of a block group are never interleaved",
  hooks: {
    chainLock: (kind, current) => (kind === "relocation" || kind === "deletion" ? "delete_unused_bgs_mutex" : current),
  },
} as const satisfies Fix;
