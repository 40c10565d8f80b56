import type { RaceId } from "../events/races.ts";

/** The workloads `racelab record --workload` prepares for: one per race of DOMAIN.md §5. */
export const WORKLOADS = ["balance", "trim", "scrub", "commit"] as const;
export type Workload = (typeof WORKLOADS)[number];

/**
 * The workload that provokes each race (DOMAIN §5), keyed by the registry's
 * race ids: a race added there is a compile error here until it has one.
 */
const WORKLOAD_OF_RACE: Readonly<Record<RaceId, { readonly workload: Workload; readonly what: string }>> = {
  "balance-vs-unused-bg-deletion": { workload: "balance", what: "btrfs balance against the cleaner's unused block group deletion" },
  "trim-vs-bg-removal": { workload: "trim", what: "fstrim against block group removal (cleaner or balance) and metadata writes" },
  "scrub-vs-bg-deletion": { workload: "scrub", what: "scrub against the cleaner and balance" },
  "bg-creation-vs-cache-writeout": { workload: "commit", what: "chunk allocation against the commit's block group item writeout" },
};

/** What each workload races with (for the script's header and the help text). */
export const WORKLOAD_RACES: Readonly<Record<Workload, string>> = Object.fromEntries(
  (Object.entries(WORKLOAD_OF_RACE) as [RaceId, { workload: Workload; what: string }][]).map(([race, w]) => [w.workload, `${race}: ${w.what}`]),
) as Record<Workload, string>;
