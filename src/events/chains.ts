/**
 * Chain kinds (DOMAIN.md §6.3): the ordered steps a task goes through on one
 * block group. The importer binds subjects by chain; the replay uses chains
 * for lock M sections and the skip path. One table, used by both.
 */
import type { ChainKind, EventType } from "./types.ts";

export interface ChainKindSpec {
  readonly kind: ChainKind;
  /** Steps in order. A step may appear in several kinds (`set_ro`, `remove_chunk`, …). */
  readonly steps: readonly EventType[];
  /** Steps that may repeat without closing the chain. */
  readonly repeatable: readonly EventType[];
}

export const CHAIN_KINDS_SPEC: readonly ChainKindSpec[] = [
  {
    kind: "relocation",
    steps: ["relocate_chunk", "relocate_bg", "set_ro", "remove_chunk", "chunk_free", "remove_block_group"],
    repeatable: [],
  },
  {
    kind: "deletion",
    steps: ["unused_bg_check", "set_ro", "remove_chunk", "chunk_free", "remove_block_group"],
    repeatable: [],
  },
  { kind: "trim", steps: ["trim_bg", "discard_start", "discard_end", "trim_bg_end"], repeatable: ["discard_start", "discard_end"] },
  { kind: "scrub", steps: ["scrub_dev_extent", "set_ro", "scrub_chunk", "clear_ro"], repeatable: [] },
  { kind: "creation", steps: ["chunk_alloc", "bg_create"], repeatable: [] },
];

/**
 * What a race's side is made of (issue 13, coverage): the chains of a kind,
 * or the cache writeout phases of a commit. A phase is no chain: it starts at
 * `writeout_early`/`writeout_critical` and writes the items of many block
 * groups (`write_cache_group`), so it has no single subject.
 */
export const WRITEOUT_PHASES = ["writeout_early", "writeout_critical"] as const satisfies readonly EventType[];
export type WriteoutPhase = (typeof WRITEOUT_PHASES)[number];
export type SideKind = ChainKind | WriteoutPhase;

export function isWriteoutPhase(kind: SideKind): kind is WriteoutPhase {
  return (WRITEOUT_PHASES as readonly string[]).includes(kind);
}

export function chainSpec(kind: ChainKind): ChainKindSpec {
  const spec = CHAIN_KINDS_SPEC.find((s) => s.kind === kind);
  if (!spec) throw new Error(`unknown chain kind ${kind}`);
  return spec;
}

/** Kinds that contain `type` as a step. */
export function kindsWithStep(type: EventType): ChainKind[] {
  return CHAIN_KINDS_SPEC.filter((s) => s.steps.includes(type)).map((s) => s.kind);
}
