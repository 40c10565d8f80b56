/** The workloads `racelab record --workload` prepares for: one per race of DOMAIN.md §5. */
export const WORKLOADS = ["balance", "trim", "scrub", "commit"] as const;
export type Workload = (typeof WORKLOADS)[number];

/** What each workload races with (for the script's header and the help text). */
export const WORKLOAD_RACES: Readonly<Record<Workload, string>> = {
  balance: "balance-vs-unused-bg-deletion: btrfs balance against the cleaner's unused block group deletion",
  trim: "trim-vs-bg-removal: fstrim against block group removal (cleaner or balance) and metadata writes",
  scrub: "scrub-vs-bg-deletion: scrub against the cleaner and balance",
  commit: "bg-creation-vs-cache-writeout: chunk allocation against the commit's block group item writeout",
};
